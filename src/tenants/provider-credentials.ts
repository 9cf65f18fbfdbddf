/**
 * A connection's credentials, opened (./credentials-cipher.ts) and checked against its provider's schema.
 * The opened value is one frozen object per connection version and isolate, so what the schema made of
 * it is kept beside it (frozen too): every hangup on a connection then carries the very same credentials
 * object, which is what lets the scrubber keep its forms per object (src/providers/scrub.ts).
 * Kept in a WeakMap: an entry lives only as long as the opened value the credentials cache holds.
 */
import { deepFreeze } from "./credentials-cipher";
import { openCredentials, type ConnectionRecord } from "./store";

interface CredentialsSchema<C> {
  parse(value: unknown): C;
}

const parsed = new WeakMap<object, { schema: CredentialsSchema<unknown>; value: unknown }>();

/** Throws when the credentials cannot be opened or do not fit the schema. */
export async function openProviderCredentials<C>(env: Env, connection: ConnectionRecord, schema: CredentialsSchema<C>): Promise<C> {
  const opened = await openCredentials<unknown>(env, connection);
  if (opened === null || typeof opened !== "object") return schema.parse(opened);
  const known = parsed.get(opened);
  if (known?.schema === schema) return known.value as C;
  const value = deepFreeze(schema.parse(opened));
  parsed.set(opened, { schema, value });
  return value;
}
