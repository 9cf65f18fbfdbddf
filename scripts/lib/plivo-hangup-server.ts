/**
 * A node HTTP server on 127.0.0.1 that accepts Plivo's documented hangup
 * (`DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`, HTTP Basic) and hands each well-formed,
 * authenticated one to the caller to answer. Anything else is counted and refused, so the benchmarks
 * and the load run can fail when the gateway sends what Plivo would not accept.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const HANGUP_PATH = /^\/v1\/Account\/([^/]+)\/Call\/([^/]+)\/$/;
/** Longer than any pause of a run, so the runtime's pooled connections stay open. */
const KEEP_ALIVE_MS = 60_000;

export interface PlivoHangupServer {
  url: string;
  /** Requests that were not a well-formed, authenticated Plivo hangup. */
  unexpectedRequests(): number;
  close(): Promise<void>;
}

export async function servePlivoHangups(
  auth: { auth_id: string; auth_token: string },
  answer: (callId: string, res: ServerResponse) => void,
): Promise<PlivoHangupServer> {
  const expectedAuthorization = `Basic ${Buffer.from(`${auth.auth_id}:${auth.auth_token}`).toString("base64")}`;
  let unexpected = 0;

  const server = createServer((req, res) => {
    req.resume(); // a DELETE carries no body worth reading; drain whatever came
    req.on("end", () => {
      const match = HANGUP_PATH.exec(req.url ?? "");
      if (req.method !== "DELETE" || !match || match[1] !== auth.auth_id || req.headers.authorization !== expectedAuthorization) {
        unexpected++;
        res.writeHead(400, { "content-type": "application/json" }).end('{"error":"unexpected request"}');
        return;
      }
      answer(decodeURIComponent(match[2]!), res);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    unexpectedRequests: () => unexpected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
