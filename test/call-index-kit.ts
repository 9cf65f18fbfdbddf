/** Feeding the call index as call objects do (through the real CALL_INDEX queue), and reading it back. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { CallIndexReport } from "../src/call-index/report";
import { asTenantDirect } from "./gateway-fetch";

export interface Listed {
  call_id: string;
  connection: string;
  provider: string;
  state: string;
  registered: boolean;
  started_at: string | null;
  to: string | null;
  flags: string[];
  hangup_status: string | null;
  hangup_source: string | null;
  hangup_reason: string | null;
  lifecycle_state: string | null;
  cause: string | null;
  created_at: string;
  updated_at: string;
}

export function report(tenant: string, call_id: string, extra: Partial<CallIndexReport> = {}): CallIndexReport {
  const at = extra.created_at ?? new Date().toISOString();
  return {
    tenant,
    connection: "sandbox",
    call_id,
    provider: "sandbox",
    state: "live",
    registered: true,
    started_at: at,
    to: "+14155550100",
    flags: [],
    hangup_status: null,
    hangup_source: null,
    hangup_reason: null,
    lifecycle_state: "initiated",
    cause: null,
    created_at: at,
    updated_at: at,
    version: 1,
    ...extra,
  };
}

/** Sends reports to the queue, 100 per batch (the Queues limit). */
export async function feed(reports: CallIndexReport[]): Promise<void> {
  for (let i = 0; i < reports.length; i += 100) {
    await env.CALL_INDEX.sendBatch(reports.slice(i, i + 100).map((body) => ({ body })));
  }
}

export async function listPage(key: string, query = ""): Promise<{ calls: Listed[]; next_cursor: string | null }> {
  // Straight into the app (test/gateway-fetch.ts): paging tests send hundreds of list requests.
  const res = await asTenantDirect(key, "GET", `/v1/calls${query ? `?${query}` : ""}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** Every listed call, following next_cursor to the end. */
export async function listAll(key: string, query = "", onPage?: (page: number) => Promise<void>): Promise<Listed[]> {
  const out: Listed[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const params = new URLSearchParams(query);
    if (cursor) params.set("cursor", cursor);
    const body = await listPage(key, params.toString());
    out.push(...body.calls);
    if (!body.next_cursor) return out;
    cursor = body.next_cursor;
    await onPage?.(page);
  }
}

/** Polls the list until `ready` holds, within the contract's 10 s lag bound; answers the time it took. */
export async function waitForList(key: string, query: string, ready: (calls: Listed[]) => boolean, withinMs = 10_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const calls = await listAll(key, query);
    if (ready(calls)) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`list not ready within ${withinMs} ms: ${JSON.stringify(calls.slice(0, 5))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
