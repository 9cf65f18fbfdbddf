/**
 * A node HTTP server on 127.0.0.1 that accepts Plivo's documented hangup
 * (`DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`, HTTP Basic) and hands each well-formed,
 * authenticated one to the caller to answer. Anything else is counted and refused, so the benchmarks
 * and the load run can fail when the gateway sends what Plivo would not accept.
 */
import { createServer, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server";

const HANGUP_PATH = /^\/v1\/Account\/([^/]+)\/Call\/([^/]+)\/$/;

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
  const { origin, close } = await listenOnLoopback(server);
  return { url: origin, unexpectedRequests: () => unexpected, close };
}
