/**
 * The load generator's HTTP client: node:http over keep-alive sockets, one pool per target, timing each
 * exchange from the moment the request is issued to the last byte of the answer. node:http rather than
 * fetch because it costs the client less CPU per request, and the client shares two cores with the
 * runtime it measures; the gateway and the baseline go through the identical client, so what it does
 * cost is the same on both sides of every ratio.
 */
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { elapsedMs } from "./stats";

/**
 * workerd closes a keep-alive connection after 5 s idle (measured). Our side drops idle sockets first,
 * so a request is never written to a socket workerd is closing at that moment (ECONNRESET), which the
 * pauses between rounds otherwise made happen now and then.
 */
const IDLE_SOCKET_MS = 4_000;

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** `json` is sent as JSON; `body` as it is, with the content type `headers` give. */
export interface SendOptions {
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
}

export interface HttpTarget {
  baseUrl: string;
  send(method: string, path: string, options?: SendOptions): Promise<Exchange>;
  close(): void;
}

export function httpTarget(baseUrl: string, maxSockets: number): HttpTarget {
  // `timeout` closes sockets idle in the pool; a request in flight is not affected.
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: IDLE_SOCKET_MS });
  const { hostname, port } = new URL(baseUrl);

  const send: HttpTarget["send"] = (method, path, options = {}) =>
    new Promise((resolve, reject) => {
      const body = options.json === undefined ? options.body : JSON.stringify(options.json);
      const headers: Record<string, string> = { ...(options.json === undefined ? {} : { "content-type": "application/json" }), ...options.headers };
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const started = process.hrtime.bigint();
      const req = request({ agent, hostname, port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: elapsedMs(started, process.hrtime.bigint()),
          }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });

  return { baseUrl, send, close: () => agent.destroy() };
}

export interface LoadResult {
  latenciesMs: number[];
  wallMs: number;
}

/**
 * `count` requests, at most `concurrency` in flight: each of `concurrency` workers sends the next one as
 * soon as its previous answer is in. `sendOne(i)` must throw on an answer that breaks the harness.
 */
export async function runLoad(count: number, concurrency: number, sendOne: (i: number) => Promise<Exchange>): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const exchange = await sendOne(next++);
      latenciesMs.push(exchange.ms);
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latenciesMs, wallMs: elapsedMs(started, process.hrtime.bigint()) };
}
