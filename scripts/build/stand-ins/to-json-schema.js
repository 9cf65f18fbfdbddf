// Stands in for zod's JSON Schema generator core in the deployed bundle (see README.md here). The Worker
// never turns a schema into JSON Schema: the OpenAPI document and the policy schema are written at build
// time, in node, with zod untouched. Every schema still gets its `toJSONSchema` methods; they throw.
function notInThisBundle() {
  throw new Error("JSON Schema generation is not in the deployed bundle (scripts/build/stand-ins)");
}
export const createToJSONSchemaMethod = () => notInThisBundle;
export const createStandardJSONSchemaMethod = () => notInThisBundle;
export {
  notInThisBundle as extractDefs,
  notInThisBundle as finalize,
  notInThisBundle as handleUnrepresentable,
  notInThisBundle as initializeContext,
  notInThisBundle as process,
  notInThisBundle as processSchema,
};
