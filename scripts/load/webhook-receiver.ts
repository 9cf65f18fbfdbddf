/**
 * The tenant's webhook receiver for the events run: a node HTTP server on 127.0.0.1 that checks every
 * message with the Standard Webhooks library (the tenant's secret; a receiver would do no less), answers
 * 204 at once, and keeps each message per call in the order they arrived. A message whose signature
 * fails, or that is not one of the gateway's JSON messages, is counted and answered 400.
 */
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { listenOnLoopback } from "../lib/loopback-server";

export interface ReceivedMessage {
  id: string;
  type: string;
  data: Record<string, unknown>;
  /** Arrival order over the whole run (0 first). */
  order: number;
}

export interface WebhookReceiver {
  url: string;
  /** A call's messages, in arrival order. */
  messagesOf(callId: string): readonly ReceivedMessage[];
  /** Every message received. */
  received(): number;
  /** Messages refused: a bad signature, or not a call's message. */
  refused(): number;
  close(): Promise<void>;
}


export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const webhook = new Webhook(secret);
  const byCall = new Map<string, ReceivedMessage[]>();
  let order = 0;
  let refused = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, String(req.headers[name] ?? "")]));
      try {
        const message = webhook.verify(body, headers) as { type?: unknown; data?: { call_id?: unknown } };
        const callId = message.data?.call_id;
        if (typeof message.type !== "string" || typeof callId !== "string") throw new Error("not a call's message");
        const received = { id: headers["webhook-id"]!, type: message.type, data: message.data as Record<string, unknown>, order: order++ };
        byCall.set(callId, [...(byCall.get(callId) ?? []), received]);
        res.writeHead(204).end();
      } catch {
        refused++;
        res.writeHead(400).end();
      }
    });
  });
  const { origin, close } = await listenOnLoopback(server);
  return {
    url: `${origin}/hooks`,
    messagesOf: (callId) => byCall.get(callId) ?? [],
    received: () => order,
    refused: () => refused,
    close,
  };
}
