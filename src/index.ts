/** The Worker: the HTTP app, and the Durable Object class that owns each call. */
import { app } from "./app";
import { consumeCallIndexBatch } from "./call-index/consumer";

export { CallObject } from "./calls/call-object";
export { ConnectionHealth } from "./health/connection-health";
export { BulkHangupJob } from "./bulk/job-object";
export { ProviderPace } from "./pace/pace-object";
export { PolicyCounter } from "./counters/counter-object";

export default {
  fetch: app.fetch,
  queue: consumeCallIndexBatch,
} satisfies ExportedHandler<Env>;
