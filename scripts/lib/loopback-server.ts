/**
 * A node HTTP server listening on 127.0.0.1 for the bench and the load runs (the providers they fake, the
 * webhook receiver): a free port, keep-alive longer than any pause of a run so the runtime's pooled
 * connections stay open, and a close that does not wait for them.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

const KEEP_ALIVE_MS = 60_000;

export async function listenOnLoopback(server: Server): Promise<{ origin: string; close(): Promise<void> }> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
