-- The tenants' running bulk hangup jobs (src/bulk/registry.ts), so that disabling a tenant can cancel them
-- before it answers: a row when a job starts (at most 20 per tenant), deleted when it completes or is
-- cancelled; a row older than two hours (a start that failed after inserting it) is deleted by the
-- tenant's next start. docs/storage-schema.md.
CREATE TABLE bulk_job_running (
  tenant TEXT NOT NULL,
  job_id TEXT NOT NULL,
  -- Epoch ms.
  accepted_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, job_id)
) WITHOUT ROWID;
