/**
 * `audit list`: who changed what (README, "Audit trail"). The operator's whole trail through the admin
 * API, or, with a tenant key, that tenant's own entries (GET /v1/audit). A table on a terminal, JSON when
 * piped, like `calls list`.
 */
import type { AuditEntry } from "../../src/audit/entry";
import { defineCommand, listLimit } from "./command";
import { usageError } from "./errors";
import { adminToken, callGateway, gatewayUrl, KEY_OPTION, TOKEN_OPTION, URL_OPTION } from "./gateway";
import { printResult } from "./output";

const MAX_PAGE = 500;

/** Entries as aligned columns, for a person. */
export function renderAuditTable(entries: AuditEntry[]): string {
  const header = ["AT", "TENANT", "ACTOR", "ACTION", "TARGET", "REQUEST ID"];
  const rows = entries.map((e) => [e.at, e.tenant ?? "-", e.actor, e.action, e.target, e.request_id]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export const auditList = defineCommand({
  name: "audit list",
  summary: "The audit trail, newest first: who changed tenants, keys, connections, policies, bulk hangups (GET /admin/audit, or GET /v1/audit with --key).",
  args: [],
  options: {
    tenant: { type: "string", placeholder: "tenant", description: "Only this tenant's entries (operator only)" },
    action: { type: "string", placeholder: "action", description: "Only this action, e.g. bulk.started, key.created" },
    since: { type: "string", placeholder: "iso-time", description: "Made at or after (ISO-8601)" },
    until: { type: "string", placeholder: "iso-time", description: "Made before (ISO-8601)" },
    limit: { type: "string", placeholder: "n", description: "At most this many entries (default 50)" },
    key: { ...KEY_OPTION, description: "Read as this tenant key (its own tenant's entries; needs calls:read) instead of as the operator" },
    url: URL_OPTION,
    token: TOKEN_OPTION,
  },
  notes: "A table when stdout is a terminal, JSON ({ entries }) when piped. Without --key it reads as the operator (the admin token).",
  async run(_, values) {
    const limit = listLimit(values.limit);
    if (values.key !== undefined && values.tenant !== undefined) throw usageError("--tenant is for the operator: a key reads only its own tenant's entries.");
    const base = gatewayUrl(values.url);
    const asTenant = values.key !== undefined;
    const credentials = asTenant ? { apiKey: values.key } : { adminToken: adminToken(values.token) };
    const entries: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = {};
      for (const name of ["tenant", "action", "since", "until"] as const) {
        const value = values[name];
        if (value !== undefined) query[name] = value;
      }
      query.limit = String(Math.min(MAX_PAGE, limit - entries.length));
      if (cursor) query.cursor = cursor;
      // The operator's values go as given: the gateway's own validation answers a wrong one.
      const answer = asTenant
        ? await callGateway(base, "GET /v1/audit", credentials, (client) => client.v1.audit.$get({ query: query as never }))
        : await callGateway(base, "GET /admin/audit", credentials, (client) => client.admin.audit.$get({ query: query as never }));
      const page = answer.body as { entries: AuditEntry[]; next_cursor: string | null };
      entries.push(...page.entries);
      cursor = page.next_cursor;
    } while (cursor && entries.length < limit);
    if (process.stdout.isTTY) process.stdout.write((entries.length ? renderAuditTable(entries) : "No entries.") + "\n");
    else printResult({ entries });
  },
});
