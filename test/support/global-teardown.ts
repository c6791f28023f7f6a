import {takeHandles} from './harness-state';
import {firestoreMissingBanner, pubsubMissingBanner} from './notice';

/**
 * Stops, newest first, every emulator global-setup started; reports all failures together.
 * Repeats the missing-emulator banner after the summary, where it cannot scroll out of sight.
 */
export default async function globalTeardown(): Promise<void> {
  const missing = process.env.FIRESTORE_EMULATOR_MISSING;
  if (missing && !process.env.FIRESTORE_EMULATOR_HOST)
    process.stderr.write(firestoreMissingBanner(missing));
  const pubsubMissing = process.env.PUBSUB_EMULATOR_MISSING;
  if (pubsubMissing && !process.env.PUBSUB_EMULATOR_HOST)
    process.stderr.write(pubsubMissingBanner(pubsubMissing));
  const handles = takeHandles();
  if (!handles) return;
  const failures: string[] = [];
  for (const {name, stop} of [...handles.stops].reverse()) {
    try {
      await stop();
    } catch (err) {
      failures.push(
        `${name}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  if (failures.length)
    throw new Error(`Stopping test emulators failed:\n${failures.join('\n')}`);
}
