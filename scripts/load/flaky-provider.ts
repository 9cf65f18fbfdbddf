/**
 * The provider of the load run: a node HTTP server on 127.0.0.1 speaking Plivo's hangup
 * (`DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`, HTTP Basic) that fails a share of requests
 * transiently (503, the call untouched) and otherwise hangs the call up (204), or answers 404 for a call
 * it already hung up, as Plivo does. It keeps, per call, every request and every hangup it carried out:
 * a call hung up twice, or asked again after it was hung up, is the gateway breaking "exactly once".
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FLAKY_AUTH = { auth_id: "MALOADRUN00000000000", auth_token: "load-run-token" } as const;

const HANGUP_PATH = /^\/v1\/Account\/([^/]+)\/Call\/([^/]+)\/$/;
const EXPECTED_AUTHORIZATION = `Basic ${Buffer.from(`${FLAKY_AUTH.auth_id}:${FLAKY_AUTH.auth_token}`).toString("base64")}`;
/** Longer than any pause of the run, so the runtime's pooled connections stay open. */
const KEEP_ALIVE_MS = 60_000;

export interface CallAtProvider {
  /** Hangup requests received for the call. */
  requests: number;
  /** Requests answered 503 on purpose. */
  injectedFailures: number;
  /** Times the call was actually hung up (204): more than one is a double hangup. */
  hangups: number;
  /** Requests that arrived after the call had been hung up. */
  requestsAfterHangup: number;
}

export interface FlakyProvider {
  url: string;
  call(callId: string): CallAtProvider;
  /** Requests that were not a well-formed, authenticated Plivo hangup. */
  unexpectedRequests(): number;
  close(): Promise<void>;
}

export async function startFlakyProvider(failureRate: number, random: () => number = Math.random): Promise<FlakyProvider> {
  const calls = new Map<string, CallAtProvider>();
  let unexpected = 0;
  const callState = (callId: string): CallAtProvider => {
    let state = calls.get(callId);
    if (!state) calls.set(callId, (state = { requests: 0, injectedFailures: 0, hangups: 0, requestsAfterHangup: 0 }));
    return state;
  };

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const match = HANGUP_PATH.exec(req.url ?? "");
    if (req.method !== "DELETE" || !match || match[1] !== FLAKY_AUTH.auth_id || req.headers.authorization !== EXPECTED_AUTHORIZATION) {
      unexpected++;
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"unexpected request"}');
      return;
    }
    const state = callState(decodeURIComponent(match[2]!));
    state.requests++;
    if (state.hangups > 0) {
      state.requestsAfterHangup++;
      res.writeHead(404, { "content-type": "application/json" }).end('{"api_id":"load","error":"not found"}');
      return;
    }
    if (random() < failureRate) {
      state.injectedFailures++;
      res.writeHead(503, { "content-type": "application/json" }).end('{"api_id":"load","error":"service unavailable"}');
      return;
    }
    state.hangups++;
    res.writeHead(204).end();
  };

  const server = createServer((req, res) => {
    req.resume(); // a DELETE carries no body worth reading; drain whatever came
    req.on("end", () => answer(req, res));
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    call: (callId) => calls.get(callId) ?? { requests: 0, injectedFailures: 0, hangups: 0, requestsAfterHangup: 0 },
    unexpectedRequests: () => unexpected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
