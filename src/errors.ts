/**
 * The gateway's domain errors. Domain code throws only these (or returns results); src/http/problem.ts
 * alone turns them into answers. A message here may reach a client, so it never quotes a secret.
 */

/** A secret or var the request needs is missing or malformed (answered 503 `not_configured`). */
export class NotConfigured extends Error {
  override readonly name = "NotConfigured";
}

/** A provider request that must not leave the gateway (no call id, a URL that lost it): nothing is sent. */
export class Unsendable extends Error {
  override readonly name = "Unsendable";
}

/** Something the code relies on did not hold: a bug, answered as an unexpected failure. */
export class Invariant extends Error {
  override readonly name = "Invariant";
}
