/**
 * The contract's "What confirms a hangup", for every provider at once: a 2xx whose body says the request
 * failed — an error envelope, `"status": "error"` or `false`, an `error` field, `success: false`, a list of
 * `errors` — or that is not the provider's documented success at all (an array, a bare value, text that is
 * not JSON) is never `terminated`, whatever else the body holds (decoys of another provider's success
 * included). Each provider's own table of what IS a hangup is in its index.test.ts (and src/providers/README.md).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROVIDER_NAMES, getProvider } from "./registry";
import { answerOf } from "./testing/kit";

const success2xx = fc.integer({ min: 200, max: 299 });

/** Fields a body may carry to look like some provider's success. */
const decoys = fc.record(
  {
    success: fc.constant(true),
    status: fc.constantFrom("success", "completed", "canceled", "ok", true),
    data: fc.constant({ result: "ok" }),
    response: fc.constant({ call_id: "c1" }),
    message: fc.constantFrom("Call ended successfully", "ok"),
  },
  { requiredKeys: [] },
);

/** One way a body says "this request failed". */
const failureMarker = fc.oneof(
  fc.jsonValue().filter((v) => v !== null && v !== false).map((error) => ({ error })),
  fc.constantFrom({ status: "error" }, { status: "ERROR" }, { status: "failed" }, { status: false }, { success: false }),
  fc.array(fc.record({ code: fc.oneof(fc.integer(), fc.string()), title: fc.string() }), { minLength: 1, maxLength: 3 }).map((errors) => ({ errors })),
);

const errorEnvelope = fc
  .tuple(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), decoys, failureMarker)
  .map(([noise, decoy, marker]) => JSON.stringify({ ...noise, ...decoy, ...marker }));

/** No object at all, where the provider answers with one (or with nothing). */
const notAnObject = fc.oneof(
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }).map((a) => JSON.stringify(a)),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string()).map((v) => JSON.stringify(v)),
  fc.string({ minLength: 1 }).filter((s) => s.trim() !== "" && !isJson(s)),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe.each(PROVIDER_NAMES)("%s: a 2xx that does not confirm the hangup", (name) => {
  const adapter = getProvider(name)!;

  it("an error envelope in a 2xx is never terminated, whatever decoys it carries", () => {
    fc.assert(
      fc.property(success2xx, errorEnvelope, (status, body) => {
        expect(adapter.readResponse(answerOf(status, body)).status).not.toBe("terminated");
      }),
      { numRuns: 300 },
    );
  });

  it("a 2xx whose body is no object at all (an array, a bare value, text) is never terminated", () => {
    fc.assert(
      fc.property(success2xx, notAnObject, (status, body) => {
        expect(adapter.readResponse(answerOf(status, body)).status).not.toBe("terminated");
      }),
      { numRuns: 300 },
    );
  });
});
