// Stands in for zod's `z.fromJSONSchema` in the deployed bundle (see README.md here): the gateway
// writes JSON Schema (`z.toJSONSchema`) but never reads it.
export function fromJSONSchema() {
  throw new Error("z.fromJSONSchema is not in this bundle (scripts/build/stand-ins)");
}
