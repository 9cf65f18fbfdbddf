// Stands in for zod's per-type JSON Schema processors in the deployed bundle (see README.md here), with
// one exception: `aggregateChecks` is zod's own, because string and number schemas answer `.minLength`,
// `.format` and the like with it at run time. The processors themselves only ever run inside a JSON
// Schema generation, which the Worker never does.
export { aggregateChecks } from "../../../node_modules/zod/v4/core/json-schema-processors.js";

function notInThisBundle() {
  throw new Error("JSON Schema generation is not in the deployed bundle (scripts/build/stand-ins)");
}
export const allProcessors = {};
export {
  notInThisBundle as anyProcessor,
  notInThisBundle as arrayProcessor,
  notInThisBundle as bigintProcessor,
  notInThisBundle as booleanProcessor,
  notInThisBundle as catchProcessor,
  notInThisBundle as customProcessor,
  notInThisBundle as dateProcessor,
  notInThisBundle as defaultProcessor,
  notInThisBundle as enumProcessor,
  notInThisBundle as fileProcessor,
  notInThisBundle as functionProcessor,
  notInThisBundle as intersectionProcessor,
  notInThisBundle as lazyProcessor,
  notInThisBundle as literalProcessor,
  notInThisBundle as mapProcessor,
  notInThisBundle as nanProcessor,
  notInThisBundle as neverProcessor,
  notInThisBundle as nonoptionalProcessor,
  notInThisBundle as nullProcessor,
  notInThisBundle as nullableProcessor,
  notInThisBundle as numberProcessor,
  notInThisBundle as objectProcessor,
  notInThisBundle as optionalProcessor,
  notInThisBundle as pipeProcessor,
  notInThisBundle as prefaultProcessor,
  notInThisBundle as promiseProcessor,
  notInThisBundle as readonlyProcessor,
  notInThisBundle as recordProcessor,
  notInThisBundle as setProcessor,
  notInThisBundle as stringProcessor,
  notInThisBundle as successProcessor,
  notInThisBundle as symbolProcessor,
  notInThisBundle as templateLiteralProcessor,
  notInThisBundle as toJSONSchema,
  notInThisBundle as transformProcessor,
  notInThisBundle as tupleProcessor,
  notInThisBundle as undefinedProcessor,
  notInThisBundle as unionProcessor,
  notInThisBundle as unknownProcessor,
  notInThisBundle as voidProcessor,
};
