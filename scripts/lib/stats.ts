/**
 * The few statistics the benchmarks and the load runs report. Percentiles are nearest-rank (a value that was actually
 * observed, never an interpolation), which is what "p99 of 400 requests" means to a reader.
 */

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array; p in (0, 100]. */
function percentile(ascending: readonly number[], p: number): number {
  if (ascending.length === 0) throw new Error("percentile of no samples");
  const rank = Math.ceil((p / 100) * ascending.length);
  return ascending[Math.min(ascending.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const ascending = [...samples].sort((a, b) => a - b);
  const total = ascending.reduce((sum, value) => sum + value, 0);
  return {
    count: ascending.length,
    p50: percentile(ascending, 50),
    p99: percentile(ascending, 99),
    min: ascending[0]!,
    max: ascending[ascending.length - 1]!,
    mean: total / ascending.length,
  };
}

/** Milliseconds between two process.hrtime.bigint() readings. */
export function elapsedMs(startNs: bigint, endNs: bigint): number {
  return Number(endNs - startNs) / 1e6;
}
