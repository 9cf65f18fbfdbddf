/**
 * A provider with a known, fixed cost: a node HTTP server on 127.0.0.1 that answers Plivo's documented
 * hangup (`DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`, HTTP Basic) with 204 after exactly
 * `latencyMs`. Whatever the benchmarks see above that latency is the cost of what sits in front of it.
 * It counts the requests for each call, which is how the duplicate storm proves "exactly once"; anything
 * it does not expect (a wrong path or wrong credentials) is counted too, and fails the run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_AUTH_ID = "MABENCHAUTHID0000000";
export const FAKE_AUTH_TOKEN = "bench-auth-token";

const HANGUP_PATH = /^\/v1\/Account\/([^/]+)\/Call\/([^/]+)\/$/;
const EXPECTED_AUTHORIZATION = `Basic ${Buffer.from(`${FAKE_AUTH_ID}:${FAKE_AUTH_TOKEN}`).toString("base64")}`;
/** Longer than any pause between rounds, so the runtime's pooled connections stay open. */
const KEEP_ALIVE_MS = 60_000;

export interface FakeProvider {
  url: string;
  latencyMs: number;
  /** Hangup requests received for this call id (decoded). */
  hangupsFor(callId: string): number;
  /** Hangup requests received in total. */
  totalHangups(): number;
  /** Requests that were not a well-formed, authenticated Plivo hangup. */
  unexpectedRequests(): number;
  close(): Promise<void>;
}

export async function startFakeProvider(latencyMs: number): Promise<FakeProvider> {
  const hangups = new Map<string, number>();
  let total = 0;
  let unexpected = 0;

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const match = HANGUP_PATH.exec(req.url ?? "");
    if (req.method !== "DELETE" || !match || match[1] !== FAKE_AUTH_ID || req.headers.authorization !== EXPECTED_AUTHORIZATION) {
      unexpected++;
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"unexpected request"}');
      return;
    }
    const callId = decodeURIComponent(match[2]!);
    hangups.set(callId, (hangups.get(callId) ?? 0) + 1);
    total++;
    setTimeout(() => res.writeHead(204).end(), latencyMs);
  };

  const server = createServer((req, res) => {
    req.resume(); // a DELETE has no body worth reading; drain whatever came
    req.on("end", () => answer(req, res));
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    latencyMs,
    hangupsFor: (callId) => hangups.get(callId) ?? 0,
    totalHangups: () => total,
    unexpectedRequests: () => unexpected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
