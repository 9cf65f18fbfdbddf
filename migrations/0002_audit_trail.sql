-- The audit trail (src/audit/): one row per change made through the admin or tenant API, written before its
-- 2xx answer; docs/storage-schema.md. Read newest first by keyset (at, id), for every tenant or one, with or
-- without an action; kept AUDIT_RETENTION_DAYS (400), then purged by the queue consumer.
CREATE TABLE audit_entry (
  id TEXT NOT NULL PRIMARY KEY,
  at TEXT NOT NULL,
  -- NULL for a change that belongs to no tenant (a policy publish).
  tenant TEXT,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  request_id TEXT NOT NULL,
  -- JSON object or NULL; never a secret (src/audit/entry.ts says what each action keeps).
  detail TEXT
) WITHOUT ROWID;

CREATE INDEX audit_entry_by_at ON audit_entry (at, id);
CREATE INDEX audit_entry_by_tenant ON audit_entry (tenant, at, id);
CREATE INDEX audit_entry_by_action ON audit_entry (action, at, id);
CREATE INDEX audit_entry_by_tenant_action ON audit_entry (tenant, action, at, id);
