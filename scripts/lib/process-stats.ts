/**
 * The workerd process as Linux's /proc sees it: which child of ours it is, its CPU time and its resident
 * memory. CPU per request is the cost that concurrency cannot hide, whatever the machine's load did to
 * latency; resident memory over a long run shows whether anything grows per call.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on every Linux we run on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The part of /proc/<pid>/stat after the command name, split into fields (field 3, state, first). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Format: pid (comm) state ppid …; comm may itself contain spaces or parentheses.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** The pids of this process's children whose command name is `name` (none where /proc is not available). */
export function childProcesses(name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries
    .filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        return readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name && Number(statFields(entry)[1]) === process.pid;
      } catch {
        return false; // the process ended while we looked
      }
    })
    .map(Number);
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

/** Resident set size of the process now, in bytes (`VmRSS` of /proc/<pid>/status), or null. */
export function processRssBytes(pid: number): number | null {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}
