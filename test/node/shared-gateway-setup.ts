/**
 * One `wrangler dev` for the node test files that change no state beyond their own tenant (starting one
 * costs several seconds of CPU, and a minute on a busy machine). It starts when the first file asks
 * (`sharedGateway()` in ./gateway-process.ts), so a run that needs none starts none, and stops after the
 * last file (or before a rerun in watch mode, so that every run starts from fresh state). Files that change
 * what every tenant sees (publishing a policy) start their own.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startGateway, type Gateway } from "./gateway-process";

export default async function setup(project: TestProject) {
  let gateway: Promise<Gateway> | null = null;
  const broker = createServer((_req, res) => {
    gateway ??= startGateway();
    gateway.then(
      ({ url, adminToken }) => res.setHeader("content-type", "application/json").end(JSON.stringify({ url, adminToken })),
      (error: unknown) => {
        gateway = null; // the next file tries again
        res.writeHead(500).end(error instanceof Error ? error.message : String(error));
      },
    );
  });
  await new Promise<void>((resolve) => broker.listen(0, "127.0.0.1", resolve));
  project.provide("sharedGatewayBroker", `http://127.0.0.1:${(broker.address() as AddressInfo).port}`);
  const stop = async () => {
    const running = gateway;
    gateway = null;
    await (await running?.catch(() => null))?.stop();
  };
  project.onTestsRerun(stop);
  return async () => {
    broker.close();
    await stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    sharedGatewayBroker: string;
  }
}
