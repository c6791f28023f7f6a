/**
 * CPU time of another process from /proc (Linux only): used for the Firestore emulator's
 * JVM, which the launcher script forks, so its pid is found by its command line.
 */
import {readFileSync, readdirSync} from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** The pid of the Java process listening on `port` (its command line says `--port=PORT`), or null. */
export function findJavaPid(port: string): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null; // no procfs: the emulator's CPU is not reported
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (/java$/.test(args[0] ?? '') && args.includes(`--port=${port}`))
        return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}

/** User plus system CPU milliseconds `pid` has used so far, or null when it cannot be read. */
export function processCpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / TICKS_PER_S;
  } catch {
    return null;
  }
}
