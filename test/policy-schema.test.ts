/**
 * The policy document's schema: what it accepts, how it reports what it does not (every problem, at
 * its own path), that the committed JSON Schemas are generated from it, and content-hash versions.
 */
// For the type of import.meta.glob:
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { policyJsonSchemas, schemaFileText } from "../src/policy/json-schema";
import { POLICY_PROVIDERS, validatePolicy } from "../src/policy/schema";
import { canonicalJson } from "../src/canonical-json";
import { policyVersion } from "../src/policy/version";
import { PROVIDER_NAMES } from "../src/providers/registry";

/** The contract's example document. */
const CONTRACT_EXAMPLE = {
  rules: [
    { id: "only-known-tenants", kind: "allowed_tenants", tenants: ["acme", "globex"], match: { providers: ["twilio"], connections: ["main"] } },
    { id: "one-hour-max", kind: "max_duration", max_seconds: 3600, match: { tenants: ["acme"] } },
    { id: "fraud", kind: "fraud_flags", flags: ["irsf", "wangiri"] },
    { id: "emergency", kind: "protect", to_prefixes: ["+1911", "+44999", "+91112"] },
  ],
  mode: "enforce",
};

function errorsOf(input: unknown) {
  const result = validatePolicy(input);
  if (result.kind === "valid") throw new Error("expected the document to be invalid");
  return result.errors;
}

describe("validatePolicy", () => {
  it("accepts the contract's example, rule modes and descriptions", () => {
    expect(validatePolicy(CONTRACT_EXAMPLE)).toEqual({ kind: "valid", document: CONTRACT_EXAMPLE });
    const described = { description: "why", rules: [{ id: "x", kind: "fraud_flags", flags: ["irsf"], mode: "shadow", description: "because" }] };
    expect(validatePolicy(described).kind).toBe("valid");
  });

  it("reports an unknown field at its own path, naming the fields that exist", () => {
    expect(errorsOf({ rules: [{ id: "x", kind: "fraud_flags", flags: ["irsf"], flag: "irsf" }], version: 2 })).toEqual([
      { path: "rules.0.flag", message: "unknown field (a fraud_flags rule has: id, kind, flags, match, mode, description)" },
      { path: "version", message: "unknown field (a policy document has: rules, mode, description)" },
    ]);
    expect(errorsOf({ rules: [{ id: "x", kind: "protect", to_prefixes: ["+1"], match: { tenant: ["acme"] } }] })).toEqual([
      { path: "rules.0.match.tenant", message: "unknown field (a match object has: tenants, connections, providers)" },
    ]);
  });

  it("reports an unknown or missing rule kind with the kinds that exist", () => {
    expect(errorsOf({ rules: [{ id: "x", kind: "block_country" }, { id: "y" }] })).toEqual([
      { path: "rules.0.kind", message: 'unknown rule kind "block_country"; expected one of allowed_tenants, max_duration, fraud_flags, protect, destinations, concurrency, calling_hours, velocity' },
      { path: "rules.1.kind", message: "required: the rule kind, one of allowed_tenants, max_duration, fraud_flags, protect, destinations, concurrency, calling_hours, velocity" },
    ]);
  });

  it("reports duplicate ids, together with every other problem", () => {
    const errors = errorsOf({
      mode: "audit",
      rules: [
        { id: "same", kind: "max_duration", max_seconds: 0 },
        { id: "same", kind: "fraud_flags", flags: [] },
        { id: "Bad Id", kind: "protect", to_prefixes: [1911] },
        { id: "same", kind: "allowed_tenants", tenants: ["acme"], match: { providers: ["twillio"] } },
      ],
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: "mode", message: 'must be "enforce" or "shadow"' },
        { path: "rules.0.max_seconds", message: "must be at least 1" },
        { path: "rules.1.flags", message: "must list at least one of flags" },
        { path: "rules.2.id", message: "must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lower-case letters, digits, - and _)" },
        { path: "rules.2.to_prefixes.0", message: 'must be text such as "+1911" (in YAML, quote it: +1911 alone is a number)' },
        { path: "rules.3.match.providers.0", message: `must be one of ${POLICY_PROVIDERS.join(", ")}` },
        { path: "rules.1.id", message: 'duplicate rule id "same" (already used by rules.0)' },
        { path: "rules.3.id", message: 'duplicate rule id "same" (already used by rules.0)' },
      ]),
    );
    expect(errors).toHaveLength(8);
  });

  it("reports wrong types and missing fields in the operator's words", () => {
    expect(errorsOf("rules: []")).toEqual([{ path: "(root)", message: "must be a policy document" }]);
    expect(errorsOf({})).toEqual([{ path: "rules", message: "required: a list of rules" }]);
    expect(errorsOf({ rules: [7, { id: "x", kind: "max_duration", max_seconds: 1.5 }, { id: "y", kind: "max_duration" }] })).toEqual([
      { path: "rules.0", message: "must be a rule object" },
      { path: "rules.1.max_seconds", message: "must be a whole number of seconds" },
      { path: "rules.2.max_seconds", message: "required: a whole number of seconds" },
    ]);
  });

  it("rejects empty scopes, which would read as nothing or as everything", () => {
    expect(errorsOf({ rules: [{ id: "x", kind: "fraud_flags", flags: ["irsf"], match: { tenants: [] } }] })).toEqual([
      { path: "rules.0.match.tenants", message: "must not be empty; leave the field out to match everywhere" },
    ]);
  });

  it("rejects flags a call's lower-cased flag could never equal, and prefixes no E.164 number starts with", () => {
    expect(errorsOf({ rules: [{ id: "x", kind: "fraud_flags", flags: ["IRSF"] }, { id: "y", kind: "protect", to_prefixes: ["1911"] }] })).toEqual([
      { path: "rules.0.flags.0", message: "must be a lower-case flag such as irsf (calls' flags compare case-insensitively)" },
      { path: "rules.1.to_prefixes.0", message: "must be an E.164 prefix: + then digits, such as +1911" },
    ]);
  });

  it("knows every provider the gateway speaks", () => {
    expect(POLICY_PROVIDERS).toEqual(expect.arrayContaining(PROVIDER_NAMES));
  });
});

describe("JSON Schemas under policies/", () => {
  const committed = import.meta.glob<string>("../policies/*.schema.json", { query: "?raw", import: "default", eager: true });

  it("are what the zod schemas generate (regenerate: npm run policies -- schema)", () => {
    const generated = policyJsonSchemas();
    expect(Object.keys(committed).map((path) => path.replace("../policies/", "")).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) {
      expect(committed[`../policies/${name}`], `policies/${name} is stale: run npm run policies -- schema`).toBe(schemaFileText(schema));
    }
  });
});

describe("policyVersion", () => {
  it("is sha256: and 16 hex digits of the canonical document", async () => {
    const version = await policyVersion(validated(CONTRACT_EXAMPLE));
    expect(version).toMatch(/^sha256:[0-9a-f]{16}$/);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(CONTRACT_EXAMPLE))));
    expect(version).toBe(`sha256:${[...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")}`);
  });

  it("does not change with key order or layout", async () => {
    const reordered = JSON.parse(
      JSON.stringify({
        mode: "enforce",
        rules: CONTRACT_EXAMPLE.rules.map((rule) => Object.fromEntries(Object.entries(rule).reverse())),
      }),
    );
    const relaid = JSON.parse(JSON.stringify(CONTRACT_EXAMPLE, null, 4));
    const version = await policyVersion(validated(CONTRACT_EXAMPLE));
    expect(await policyVersion(validated(reordered))).toBe(version);
    expect(await policyVersion(validated(relaid))).toBe(version);
  });

  it("changes with any change of content, rule order included", async () => {
    const version = await policyVersion(validated(CONTRACT_EXAMPLE));
    const changes = [
      { ...CONTRACT_EXAMPLE, mode: "shadow" },
      { ...CONTRACT_EXAMPLE, rules: [...CONTRACT_EXAMPLE.rules].reverse() },
      { ...CONTRACT_EXAMPLE, description: "now described" },
      { ...CONTRACT_EXAMPLE, rules: CONTRACT_EXAMPLE.rules.slice(1) },
    ];
    for (const changed of changes) expect(await policyVersion(validated(changed))).not.toBe(version);
  });
});

function validated(input: unknown) {
  const result = validatePolicy(input);
  if (result.kind === "invalid") throw new Error(JSON.stringify(result.errors));
  return result.document;
}
