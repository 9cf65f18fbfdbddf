/** The Worker: the HTTP app, and the Durable Object class that owns each call. */
import { app } from "./app";
import type { Env } from "./env";

export { CallObject } from "./calls/call-object";
export { ConnectionHealth } from "./calls/connection-health";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
