/**
 * The trimmed zod in the deployed bundle (scripts/build/stand-ins/) still speaks English: a malformed admin
 * request to the bundle is answered with exactly the message unpatched zod gives in Node. A harness
 * check, not a measurement: it throws, and the bench exits 1, if the trimming ever changes a 422 text.
 */
import { z } from "zod";
import { describeFailure, type GatewayClient } from "../lib/gateway-client";

export async function checkBundleSpeaksEnglish(operator: GatewayClient): Promise<void> {
  const expected = z.string().safeParse(5).error?.issues[0]?.message;
  // Route types describe success only; the answer expected here is the 422 problem.
  const response = (await operator.admin.tenants[":tenant"].$put({ param: { tenant: "english-check" }, json: { name: 5 as unknown as string } })) as unknown as Response;
  if (response.status !== 422) throw await describeFailure("bundle messages: a malformed tenant was not refused with 422", response);
  const { errors } = (await response.json()) as { errors?: { path: string; message: string }[] };
  const message = errors?.find((error) => error.path === "name")?.message;
  if (!expected || message !== expected) {
    throw new Error(`the deployed bundle's 422 says ${JSON.stringify(message)} where zod says ${JSON.stringify(expected)}: check scripts/build/stand-ins/`);
  }
}
