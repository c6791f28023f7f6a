/**
 * The Firestore client of the user command, and the deadline on what it asks: the SDK
 * retries an unanswered call for minutes, and a person at a terminal should not wait that long.
 */
import type {Firestore} from 'firebase-admin/firestore';
import {raceDeadline} from '../../shared/firestore/deadline';
import {isAppError} from '../../shared/platform/errors';
import type {FirestoreTarget} from './target';

/** The target once it is known (an emulator, or a project). */
export type KnownTarget = Exclude<FirestoreTarget, {kind: 'unknown'}>;

/** A failure meant to be printed as it is, without a stack. */
export class Failure extends Error {}

const DEADLINE_MS = 30_000;

/** A Firestore client for the target; loaded only now, as the SDK takes most of a second to load. */
export async function openFirestore(target: KnownTarget): Promise<Firestore> {
  const {Firestore} = await import('firebase-admin/firestore');
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  return new Firestore({projectId: target.projectId});
}

/** `work()`, or a Failure naming what to check when Firestore does not answer in time. */
export async function withDeadline<T>(
  target: KnownTarget,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await raceDeadline(work, DEADLINE_MS);
  } catch (err) {
    // raceDeadline's own time-out; the work's errors pass unchanged.
    if (isAppError(err) && err.code === 'unavailable')
      throw new Failure(
        `Firestore (project ${target.projectId}) did not answer within ${DEADLINE_MS / 1000} s; ` +
          'check GOOGLE_CLOUD_PROJECT and your credentials (`gcloud auth application-default login`).',
      );
    throw err;
  }
}
