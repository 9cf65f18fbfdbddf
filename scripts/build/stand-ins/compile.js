// Stands in for zod's `z.compile` in the deployed bundle (see README.md here). The gateway never
// compiles a schema; `compile()` answers as zod does for a schema it cannot compile: the schema itself,
// on the runtime parser. The rest keeps the module's exports (and the sentinel's identity).
export const INVALID = Symbol.for("zod.compile.invalid");
export class ZodCompileAsyncError extends Error {
  name = "ZodCompileAsyncError";
}
export class ZodCompileUnsupportedError extends Error {
  name = "ZodCompileUnsupportedError";
}
export function compile(schema, options) {
  if (options?.strict) throw new ZodCompileUnsupportedError("z.compile is not in this bundle (scripts/build/stand-ins)");
  return schema;
}
export function withParser() {
  throw new ZodCompileUnsupportedError("z.withParser is not in this bundle (scripts/build/stand-ins)");
}
export function compileFn() {
  throw new ZodCompileUnsupportedError("z.compile is not in this bundle (scripts/build/stand-ins)");
}
