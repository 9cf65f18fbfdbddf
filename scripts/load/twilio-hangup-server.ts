/**
 * A node HTTP server on 127.0.0.1 that accepts Twilio's documented hangup, the Call resource update
 * (`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`, HTTP Basic account sid : auth token,
 * form `Status=completed`), and hands each well-formed, authenticated one to the caller to answer.
 * Anything else (a status read, another status, other credentials) is counted and refused, so the events
 * load run fails when the gateway sends what it should not. The same shape as ../lib/plivo-hangup-server.ts.
 */
import { createServer, type ServerResponse } from "node:http";
import { listenOnLoopback } from "../lib/loopback-server";
import type { TwilioAuth } from "../lib/twilio-callback";

const HANGUP_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/;

export interface TwilioHangupServer {
  url: string;
  /** Requests that were not a well-formed, authenticated Twilio hangup. */
  unexpectedRequests(): number;
  close(): Promise<void>;
}

export async function serveTwilioHangups(auth: TwilioAuth, answer: (callId: string, res: ServerResponse) => void): Promise<TwilioHangupServer> {
  const expectedAuthorization = `Basic ${Buffer.from(`${auth.account_sid}:${auth.auth_token}`).toString("base64")}`;
  let unexpected = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const match = HANGUP_PATH.exec(req.url ?? "");
      const isForm = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded";
      const status = isForm ? new URLSearchParams(Buffer.concat(chunks).toString("utf8")).get("Status") : null;
      if (req.method !== "POST" || !match || match[1] !== auth.account_sid || req.headers.authorization !== expectedAuthorization || status !== "completed") {
        unexpected++;
        res.writeHead(400, { "content-type": "application/json" }).end('{"code":20001,"message":"unexpected request","status":400}');
        return;
      }
      answer(decodeURIComponent(match[2]!), res);
    });
  });
  const { origin, close } = await listenOnLoopback(server);
  return { url: origin, unexpectedRequests: () => unexpected, close };
}
