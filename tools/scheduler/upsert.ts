/**
 * Creates the job, or updates it when it already exists: running it twice is harmless.
 */
import {
  buildJob,
  parentOf,
  UPDATE_MASK,
  type Job,
  type JobOptions,
} from './job';

/** The part of CloudSchedulerClient this uses (tests pass a fake). */
export interface SchedulerClient {
  createJob(request: {parent: string; job: Job}): Promise<unknown>;
  updateJob(request: {
    job: Job;
    updateMask: {paths: string[]};
  }): Promise<unknown>;
}

/** gRPC ALREADY_EXISTS. */
const ALREADY_EXISTS = 6;

export async function upsertJob(
  client: SchedulerClient,
  options: JobOptions,
): Promise<{action: 'created' | 'updated'; job: Job}> {
  const job = buildJob(options);
  try {
    await client.createJob({parent: parentOf(options), job});
    return {action: 'created', job};
  } catch (err) {
    if ((err as {code?: unknown} | null)?.code !== ALREADY_EXISTS) throw err;
  }
  await client.updateJob({job, updateMask: {paths: UPDATE_MASK}});
  return {action: 'updated', job};
}
