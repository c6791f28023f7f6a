/**
 * Wires the real clients from the configuration, lazily: nothing here touches an SDK
 * until a request needs it. The function entry points share one runtime per instance.
 */
import {makeAuthenticator, type Authenticate} from './auth/authenticator';
import {parseConfig, type Config} from './platform/config';
import type {Devices, DevicesBackend, GroupDirectory} from './devices/devices';
import {firestoreBackend} from './devices/firestore-devices';
import {fcmGroupBackend} from './devices/fcm-groups';
import {
  emulatorTokenSource,
  credentialTokenSource,
  type AccessTokenSource,
} from './fcm/access-token';
import {lazyApp, lazyFirestore} from './firestore/client';
import {createDb, type Db} from './firestore/db';
import {createLogger, type Logger} from './platform/logger';
import {firestoreUsers} from './auth/users';
import {dummyHash} from './auth/dummy-hash';
import {firestoreLoginThrottle} from './auth/login-throttle';
import {createVerificationCache} from './auth/verification-cache';
import {makeRecognizer, type Recognize} from './auth/recognize';
import {makeCronAuth, type CronAuth} from './cron/auth';
import {googleIdTokenVerifier, type CertFetcher} from './auth/oidc';
import {CronRunner} from './cron/runner';
import type {CronTask} from './cron/task';
import {TaskLeases} from './cron/task-lease';
import {TASKS} from './cron/tasks';
import {createNotifyPart, type Notify} from './notify';
import {createNotifyBatches, type NotifyBatches} from './notify/batch';

export interface Runtime {
  config: Config;
  log: Logger;
  /** Firestore, with the instance's deadline on every call. */
  db: Db;
  authenticate: Authenticate;
  /** Authentication without a read, for credentials this instance verified moments ago. */
  recognize: Recognize;
  devices: Devices;
  /** The FCM group of a user by name, for the tools; null with the `firestore` backend. */
  groups: GroupDirectory | null;
  /** OAuth2 access tokens for FCM (firebase-admin's credential, or the emulator's placeholder). */
  accessToken: AccessTokenSource;
  /** Checks who triggers cron (OIDC, or the App Engine compatibility check). */
  cronAuth: CronAuth;
  /** Runs the due scheduled tasks. */
  cron: CronRunner;
  /** Sends to a user's devices (notifyUser and `npm run notify`). */
  notify: Notify;
  /** Sends to many users through Pub/Sub (notifyUsers, deliverNotification, `npm run notify -- --users`). */
  notifyBatches: NotifyBatches;
}

/** What tests replace: the clock, Google's certificate download, the task list. */
export interface RuntimeOverrides {
  clock?: () => Date;
  fetchCerts?: CertFetcher;
  tasks?: readonly CronTask[];
}

/** Builds a runtime from a parsed configuration (cheap: clients are created on first use). */
export function createRuntime(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  overrides: RuntimeOverrides = {},
): Runtime {
  const clock = overrides.clock ?? (() => new Date());
  const app = lazyApp(config.projectId);
  const db = createDb(lazyFirestore(app), config.firestoreTimeoutMs);
  const accessToken = config.fcmEmulatorHost
    ? emulatorTokenSource
    : credentialTokenSource(app);
  // The one place that knows both backends; the device-group one goes on 2027-09-29.
  const backend: DevicesBackend =
    config.deviceGroups === 'fcm'
      ? fcmGroupBackend({config, db, accessToken, clock, log})
      : firestoreBackend({
          db,
          maxDevices: config.maxDevicesPerUser,
          maxWaiting: config.leaseMaxWaiters,
          clock,
          log,
        });
  const {devices, groups} = backend;
  const verifyIdToken = googleIdTokenVerifier(overrides.fetchCerts);
  const verified = createVerificationCache(
    config.authCacheTtlMs,
    config.authCacheMaxEntries,
  );
  return {
    config,
    log,
    db,
    authenticate: makeAuthenticator({
      users: firestoreUsers(db),
      realm: config.authRealm,
      throttle: firestoreLoginThrottle(db, {...config.login, clock}),
      dummyHash: dummyHash(config.login.bcryptCost),
      forwardedForHops: config.login.forwardedForHops,
      log,
      cache: verified,
    }),
    recognize: makeRecognizer(verified, config.login.forwardedForHops),
    devices,
    groups,
    accessToken,
    cronAuth: makeCronAuth(config.cron, verifyIdToken),
    cron: new CronRunner({
      tasks: overrides.tasks ?? [...TASKS, ...backend.tasks],
      leases: new TaskLeases(db, config.cron.leaseTtlMs),
      taskDeps: {db, devices, config},
      leaseTtlMs: config.cron.leaseTtlMs,
      clock,
      log,
    }),
    notify: createNotifyPart({
      config,
      db,
      devices,
      accessToken,
      verify: verifyIdToken,
      clock,
    }),
    notifyBatches: createNotifyBatches({
      config,
      db,
      devices,
      accessToken,
      verify: verifyIdToken,
      clock,
    }),
  };
}

let current: Runtime | null = null;

/**
 * The instance's runtime, from process.env on first use. The entry module checked the
 * configuration when it loaded (functions/check-config.ts); a process that skipped that
 * check gets the ConfigError here, on every call (answered 500 by the handler).
 */
export function productionRuntime(): Runtime {
  current ??= createRuntime(parseConfig(process.env));
  return current;
}
