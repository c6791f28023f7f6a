/**
 * Rebuilds one user's FCM device group from Firestore, through the `fcm` backend's own
 * repair path (`Devices.rebuild`: under the user's lease, the token documents are the
 * truth, the key and `devices` map are rewritten from them). Safe to repeat.
 */
import type {Devices} from '../../shared/devices/devices';
import {failureReason, type UserOutcome} from './outcome';
import type {UserRow} from './walk';

export interface RebuildDeps {
  /** The `fcm` backend. */
  devices: Pick<Devices, 'rebuild'>;
  dryRun: boolean;
}

/** Rebuilds the group of `user` when it has devices; never throws (a failure is an outcome). */
export async function rebuildUser(
  deps: RebuildDeps,
  user: UserRow,
): Promise<UserOutcome> {
  const tokens = Object.keys(user.data.devices ?? {}).length;
  if (tokens === 0) return {kind: 'no-devices'};
  if (deps.dryRun) return {kind: 'rebuilt', tokens};
  try {
    await deps.devices.rebuild(user.id);
    return {kind: 'rebuilt', tokens};
  } catch (err) {
    return {kind: 'failed', reason: failureReason(err)};
  }
}
