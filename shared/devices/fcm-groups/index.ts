/**
 * The FCM device-group backend (DEVICE_GROUPS=fcm), behind this one surface. Firebase
 * removes device groups on 2027-09-29; deleting this backend then is `git rm -r` of this
 * folder and its line in shared/runtime.ts (with its tests, tools/retire-device-groups and
 * the FCM emulator's group routes).
 */
import type {AccessTokenSource} from '../../fcm/access-token';
import {fcmBaseUrl} from '../../fcm/endpoints';
import type {Db} from '../../firestore/db';
import type {Config} from '../../platform/config';
import type {Logger} from '../../platform/logger';
import type {DevicesBackend} from '../devices';
import {FcmGroupDevices} from './fcm-group-devices';
import {createFcmDeviceGroups, groupName} from './group-client';
import {UserLeases} from './leases';
import {repairTask} from './repair-task';

export interface FcmGroupBackendDeps {
  config: Config;
  db: Db;
  accessToken: AccessTokenSource;
  clock: () => Date;
  log: Logger;
}

/** The `fcm` backend as runtime.ts wires it. */
export function fcmGroupBackend({
  config,
  db,
  accessToken,
  clock,
  log,
}: FcmGroupBackendDeps): DevicesBackend {
  const groups = createFcmDeviceGroups({
    baseUrl: fcmBaseUrl(config.fcmEmulatorHost),
    senderId: config.fcmSenderId,
    timeoutMs: config.fcmTimeoutMs,
    accessToken,
    log,
  });
  const leases = new UserLeases(db, {
    ttlMs: config.leaseTtlMs,
    waitMs: config.leaseWaitMs,
    maxWaiters: config.leaseMaxWaiters,
    maxPending: config.leaseMaxPending,
    // The commit that ends a lease must fit in it after the last FCM call.
    commitMarginMs: config.firestoreTimeoutMs,
  });
  const devices = new FcmGroupDevices({
    db,
    groups,
    leases,
    groupPrefix: config.deviceGroupPrefix,
    maxDevices: config.maxDevicesPerUser,
    clock,
    log,
  });
  const name = (userId: string) => groupName(config.deviceGroupPrefix, userId);
  return {
    devices,
    groups: {
      name,
      lookupKey: (userId, signal) => groups.lookup(name(userId), signal),
    },
    tasks: [
      repairTask({
        db,
        leaseTtlMs: config.leaseTtlMs,
        repair: userId => devices.repair(userId),
      }),
    ],
  };
}

// What tools/retire-device-groups (which empties the groups after a switch) uses.
export {createFcmDeviceGroups, groupName} from './group-client';
export type {DeviceGroups, FcmDeviceGroups} from './group-client';
export type {PendingOp} from './leases';
