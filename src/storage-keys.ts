/**
 * Every KV key the gateway reads or writes, in one place. docs/storage-schema.md describes each value.
 */
export const kvKey = {
  tenant: (tenant: string) => `tenant:${tenant}`,
  tenantKey: (tenant: string, keyId: string) => `tenant:${tenant}:key:${keyId}`,
  apiKeyHash: (hash: string) => `apikey:${hash}`,
  connection: (tenant: string, connection: string) => `tenant:${tenant}:connection:${connection}`,
  activePolicy: () => "policy:active",
  policyVersion: (version: string) => `policy:version:${version}`,
} as const;
