/**
 * What a benchmark server process reports at `GET /__bench/stats`: responses it finished,
 * its own CPU time and its Firestore traffic, so that the runner can divide each by the
 * requests of one load segment. `?reset=1` zeroes the Firestore counts.
 */
import type http from 'node:http';
import {firestoreCounts, type FirestoreCounts} from './firestore-counter';

export interface ProcessStats {
  /** Responses finished since start (any status, control requests excluded). */
  served: number;
  /** User plus system CPU milliseconds since start. */
  cpuMs: number;
  firestore: FirestoreCounts;
  memory: NodeJS.MemoryUsage;
}

let served = 0;

/** Counts `res` once it is finished. */
export function countResponse(res: http.ServerResponse): void {
  res.once('finish', () => served++);
}

/** Serves the stats route; true when `req` was it. */
export function serveStats(
  req: http.IncomingMessage,
  res: http.ServerResponse,
): boolean {
  if (!req.url?.startsWith('/__bench/stats')) return false;
  const cpu = process.cpuUsage();
  const stats: ProcessStats = {
    served,
    cpuMs: (cpu.user + cpu.system) / 1000,
    firestore: firestoreCounts(req.url.includes('reset=1')),
    memory: process.memoryUsage(),
  };
  res.writeHead(200, {'Content-Type': 'application/json'});
  res.end(JSON.stringify(stats));
  return true;
}
