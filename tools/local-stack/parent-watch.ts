/**
 * Notices when the process that started this one is gone. `npm start` forwards SIGINT and
 * SIGTERM, but a SIGHUP or SIGKILL sent to npm alone would leave the stack running, re-parented,
 * holding its ports; polling the parent pid is the portable way to learn about it.
 */

/** Calls `onGone` once if this process gets a new parent; returns a function that stops watching. */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
