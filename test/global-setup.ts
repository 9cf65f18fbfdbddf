/** Starts the fake provider once for the whole run; its URL reaches the Workers tests as a binding. */
import type { TestProject } from "vitest/node";
import { startFakeProvider } from "./fake-provider/server";

export default async function setup(project: TestProject) {
  const fake = await startFakeProvider();
  project.provide("fakeProviderUrl", fake.url);
  return () => fake.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    fakeProviderUrl: string;
  }
}
