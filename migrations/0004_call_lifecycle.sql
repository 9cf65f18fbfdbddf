-- Each listed call's lifecycle (issue 22): where the call is in its life (`initiated` | `ringing` | `answered` |
-- `ended`) and, once ended, why (`completed`, `busy`, `no_answer`, …); GET /v1/calls shows both and filters by them.
-- Entries indexed before this migration keep NULL in both until their call's next report carries them.
ALTER TABLE call_entry ADD COLUMN lifecycle_state TEXT;
ALTER TABLE call_entry ADD COLUMN cause TEXT;

-- One index per new filter, in list order as the others (0001): the rare values (`ringing`, `busy`, `rejected`)
-- are exactly the ones worth asking for, and without an index a page of them is a walk through every entry of
-- the tenant (test/call-index.test.ts checks each filter's query plan: one index range, no sort).
CREATE INDEX call_entry_by_lifecycle_state ON call_entry (tenant, lifecycle_state, created_at, connection, call_id);
CREATE INDEX call_entry_by_cause ON call_entry (tenant, cause, created_at, connection, call_id);
