/**
 * The workerd process as the operating system sees it (Linux /proc): its CPU time, its resident set,
 * and the bytes its Durable Objects occupy in storage. workerd has no `performance.memory` and does not
 * expose isolate heap statistics to a Worker, so RSS is the honest memory figure: it covers the V8
 * heaps of both Workers and of every live Durable Object, SQLite page caches and the runtime itself;
 * it is not "bytes per call" by itself, only its growth is. CPU time is the cost that concurrency
 * cannot hide: milliseconds of CPU per request, whatever the machine's load did to latency.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The pids of this process's children whose command name is `name` (none where /proc is not available). */
export function childProcesses(name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries.filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name && Number(statFields(entry)[1]) === process.pid;
    } catch {
      return false; // the process ended while we looked
    }
  }).map(Number);
}

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on every Linux we run on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The part of /proc/<pid>/stat after the command name, split into fields (field 3, state, first). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Format: pid (comm) state ppid …; comm may itself contain spaces or parentheses.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User plus system CPU time of the process so far, in ms (10 ms resolution), or null. */
export function processCpuMs(pid: number): number | null {
  try {
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 of the whole line, 11 and 12 here.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface ProcessMemory {
  /** Resident set now. */
  rssBytes: number;
  /** Highest resident set since the process started. */
  peakRssBytes: number;
}

export function processMemory(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
    return { rssBytes: field("VmRSS"), peakRssBytes: field("VmHWM") };
  } catch {
    return null;
  }
}

/** Bytes of every file under `dir` (apparent size), and how many files there are. */
export function directoryUsage(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        bytes += statSync(full).size;
        files++;
      }
    }
  };
  try {
    walk(dir);
  } catch {
    // nothing stored yet
  }
  return { bytes, files };
}
