/**
 * Firestore's "500/50/5" rule for traffic to a live database: start at 500 writes per
 * second and grow by 50 % every 5 minutes (BulkWriter's own ramp-up, which the importer
 * used before it wrote user by user in transactions). Off against the emulator.
 */

const START_PER_SECOND = 500;
const GROWTH = 1.5;
const STEP_MS = 5 * 60_000;

/** Waits until `writes` more writes fit the ramp; resolves at once when it is off. */
export type Ramp = (writes: number) => Promise<void>;

export function writeRamp(
  on: boolean,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = ms =>
    new Promise(resolve => setTimeout(resolve, ms)),
): Ramp {
  if (!on) return async () => {};
  const start = now();
  let nextFree = start;
  return async writes => {
    const at = Math.max(now(), nextFree);
    const rate =
      START_PER_SECOND * GROWTH ** Math.floor((at - start) / STEP_MS);
    nextFree = at + (writes / rate) * 1000;
    const wait = at - now();
    if (wait > 0) await sleep(wait);
  };
}
