/**
 * workerd's resident memory over a load run (issue 24: memory must level off, not grow per call). Read
 * when the first call starts, each time another quarter of the calls is done, and at the end, with the
 * peak of a reading every second between, so that a run prints the curve BENCHMARKS.md quotes.
 */
import { processRssBytes } from "../lib/process-stats";

const SAMPLE_EVERY_MS = 1_000;
const QUARTERS = 4;

export class MemoryTrace {
  private readonly marks: { label: string; bytes: number | null }[] = [];
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private done = 0;

  /** `pid`: workerd's (null where /proc is not available: then the trace says so). */
  constructor(
    private readonly pid: number | null,
    private readonly total: number,
  ) {}

  private read(): number | null {
    const bytes = this.pid === null ? null : processRssBytes(this.pid);
    if (bytes !== null) this.peak = Math.max(this.peak, bytes);
    return bytes;
  }

  private mark(label: string): void {
    this.marks.push({ label, bytes: this.read() });
  }

  start(): void {
    this.mark("start");
    this.timer = setInterval(() => this.read(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  /** One more call done: a reading as each quarter of the calls is reached (the last one is the end's). */
  callDone(): void {
    this.done++;
    for (let quarter = 1; quarter < QUARTERS; quarter++) {
      if (this.done === Math.ceil((this.total * quarter) / QUARTERS)) this.mark(`${quarter}/${QUARTERS}`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.mark("end");
  }

  /** `start 180.2 MiB, 1/4 240.1 MiB, …, end 253.0 MiB (peak 260.4 MiB)`, or why there is no figure. */
  summary(): string {
    if (this.pid === null || this.marks.some((mark) => mark.bytes === null)) return "not measured (no /proc, or workerd not found)";
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    return `${this.marks.map((mark) => `${mark.label} ${mib(mark.bytes!)}`).join(", ")} (peak ${mib(this.peak)})`;
  }
}
