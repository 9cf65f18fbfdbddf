/**
 * One text for one JSON value: every object's keys sorted, no whitespace. Two documents that differ only in
 * key order or layout have the same canonical JSON (and so the same hash: policy versions, registration
 * fingerprints); arrays keep their order, which is meaningful.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
