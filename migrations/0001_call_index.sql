-- The tenants' call index (src/call-index/), read by GET /v1/calls and bulk hangups; docs/storage-schema.md.
-- Applied by `wrangler d1 migrations apply` (README, "Deploying to Cloudflare"; `npm start` and the tests do
-- the same). `IF NOT EXISTS` throughout: a database whose tables the gateway created from code before this
-- folder existed takes this migration without a change.
--
-- One row per call in call_entry, kept after a `deleted` report as a tombstone (deleted = 1) so that an older
-- report arriving later cannot bring the entry back. call_flag is the flag index (one row per flag of a live
-- entry): `flag=` and bulk `flags` filters read it instead of parsing every entry's JSON.
CREATE TABLE IF NOT EXISTS call_entry (
  tenant TEXT NOT NULL, connection TEXT NOT NULL, call_id TEXT NOT NULL,
  provider TEXT NOT NULL, state TEXT NOT NULL, registered INTEGER NOT NULL,
  started_at TEXT, to_number TEXT, flags TEXT NOT NULL,
  hangup_status TEXT, hangup_source TEXT, hangup_reason TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  version INTEGER NOT NULL, deleted INTEGER NOT NULL, indexed_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, connection, call_id)
) WITHOUT ROWID;

-- Newest first, keyset (created_at, connection, call_id): one index per list filter worth one.
CREATE INDEX IF NOT EXISTS call_entry_by_created ON call_entry (tenant, created_at, connection, call_id);
CREATE INDEX IF NOT EXISTS call_entry_by_connection ON call_entry (tenant, connection, created_at, call_id);
CREATE INDEX IF NOT EXISTS call_entry_by_state ON call_entry (tenant, state, created_at, connection, call_id);
CREATE INDEX IF NOT EXISTS call_entry_by_status ON call_entry (tenant, hangup_status, created_at, connection, call_id);
-- Retention: the purge deletes by age without scanning the table.
CREATE INDEX IF NOT EXISTS call_entry_by_indexed_at ON call_entry (indexed_at);

CREATE TABLE IF NOT EXISTS call_flag (
  tenant TEXT NOT NULL, flag TEXT NOT NULL, created_at TEXT NOT NULL, connection TEXT NOT NULL, call_id TEXT NOT NULL,
  PRIMARY KEY (tenant, flag, created_at, connection, call_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS call_flag_by_call ON call_flag (tenant, connection, call_id);

-- Whatever removes an entry (retention's purge) removes its flags with it.
CREATE TRIGGER IF NOT EXISTS call_entry_removes_flags AFTER DELETE ON call_entry BEGIN
  DELETE FROM call_flag WHERE tenant = old.tenant AND connection = old.connection AND call_id = old.call_id;
END;

-- Schema versions are wrangler's d1_migrations table now; this one recorded the version applied from code.
DROP TABLE IF EXISTS call_index_meta;
