/**
 * The one configuration parser. Pure: takes an environment map, validates every value,
 * applies defaults and throws a single ConfigError naming the offending variable.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type DeviceGroupsMode = 'fcm' | 'firestore';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface Config {
  /** Google Cloud project id (for Firestore and logging trace ids). */
  projectId: string | undefined;
  /** FCM sender id (the project number) sent as the `project_id` header; '' when unset in `firestore` mode. */
  fcmSenderId: string;
  /** `host:port` of a local FCM emulator; when set no Google credential is used. */
  fcmEmulatorHost: string | undefined;
  /** Per-call timeout for FCM requests. */
  fcmTimeoutMs: number;
  /** How long one Firestore operation may take before the request answers 503. */
  firestoreTimeoutMs: number;
  /** Device-group name prefix: groups are named `{prefix}_users-{id}`. */
  deviceGroupPrefix: string;
  /**
   * Where a user's devices are grouped: `fcm`, an FCM device group per user (deprecated by
   * Firebase: no new projects after 2026-12-01, removed 2027-09-29); `firestore`, the user's
   * device list in Firestore is the group and no device-group call is made.
   */
  deviceGroups: DeviceGroupsMode;
  /** Devices kept per user; the least recently registered go first. FCM groups allow 20. */
  maxDevicesPerUser: number;
  /** How long a per-user lease is valid before another instance may take it over (LOCK_TTL_MS). */
  leaseTtlMs: number;
  /** How long a request waits for a busy per-user lease before answering 503 (LOCK_WAIT_MS). */
  leaseWaitMs: number;
  /** Requests of one instance that may wait for one user's lease; more answer 503 at once. */
  leaseMaxWaiters: number;
  /** Pending operations a lease may carry before new changes wait for a repair. */
  leaseMaxPending: number;
  /** Realm announced in `WWW-Authenticate`. */
  authRealm: string;
  /** Successful Basic-auth verifications are cached this long (0 disables the cache). */
  authCacheTtlMs: number;
  /** Maximum entries of the verification cache. */
  authCacheMaxEntries: number;
  logLevel: LogLevel;
  /** Who may trigger cron, and how scheduled tasks run (see docs/cron.md). */
  cron: CronConfig;
  /** Failed-login throttling and password hashing (see docs/authentication.md). */
  login: LoginConfig;
  /** Who may send to a user's devices, and how sends run (see docs/sending.md). */
  notify: NotifyConfig;
}

/**
 * notifyUser's settings. With no allow-list (`oidcAudience` and `serviceAccounts` unset)
 * the function refuses every request (fails closed).
 */
export interface NotifyConfig {
  /** Expected `aud` of the caller's OIDC token: the notifyUser function's URL (NOTIFY_OIDC_AUDIENCE). */
  oidcAudience: string | undefined;
  /** The service accounts whose OIDC tokens may send (NOTIFY_SERVICE_ACCOUNTS, comma-separated). */
  serviceAccounts: readonly string[];
  /**
   * The `{project}` of FCM HTTP v1's `/v1/projects/{project}/messages:send` (FCM_PROJECT_ID):
   * GOOGLE_CLOUD_PROJECT by default; under FCM_EMULATOR_HOST, FCM_SENDER_ID (when set), the
   * one name the emulator knows a project's device groups by.
   */
  fcmProjectId: string | undefined;
  /** Sends in flight at once for one request in `firestore` mode (NOTIFY_CONCURRENCY). */
  concurrency: number;
  /** How long retries of UNAVAILABLE and INTERNAL may go on, from the first attempt (NOTIFY_RETRY_BUDGET_MS). */
  retryBudgetMs: number;
}

export interface LoginConfig {
  /** Failed logins allowed per email (lower-cased) per window before answering 429. */
  maxFailuresPerEmail: number;
  /** Failed logins allowed per client address per window before answering 429. */
  maxFailuresPerIp: number;
  /** Length of the fixed window the failures are counted in. */
  windowMs: number;
  /**
   * Which `X-Forwarded-For` entry is the client, counted from the right: 1 (the last
   * entry) behind Google's front end alone, 2 behind an external Application Load Balancer.
   */
  forwardedForHops: number;
  /** bcrypt cost of the stored hashes; unknown emails are checked against a hash of this cost. */
  bcryptCost: number;
}

/**
 * `oidc`: Cloud Scheduler's OIDC token is verified (audience and service account set).
 * `appengine`: the App Engine header check, for migration only (CRON_APPENGINE_COMPAT=true).
 * `none`: nothing configured: cron refuses every request (fails closed).
 */
export type CronAuthMode = 'oidc' | 'appengine' | 'none';

export interface CronConfig {
  authMode: CronAuthMode;
  /** Expected `aud` of the OIDC token: the cron function's URL. */
  oidcAudience: string | undefined;
  /** The only service account whose OIDC token may trigger cron. */
  serviceAccount: string | undefined;
  /** How long a task's lease lasts: longer than the function timeout, so a live run is never taken over. */
  leaseTtlMs: number;
  /** Tokens not refreshed for this many days are pruned (FCM expires inactive tokens at 270). */
  pruneTokenAgeDays: number;
  /** Stale tokens read per page by the prune task. */
  prunePageSize: number;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function int(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw))
    throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(
      name,
      `must be between ${min} and ${max}, got ${value}`,
    );
  return value;
}

function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const upper = raw.toUpperCase() as T;
  if (!allowed.includes(upper))
    throw new ConfigError(
      name,
      `must be one of ${allowed.join(', ')}, got "${raw}"`,
    );
  return upper;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function cronConfig(env: Env): CronConfig {
  const oidcAudience = str(env, 'CRON_OIDC_AUDIENCE');
  const serviceAccount = str(env, 'CRON_SERVICE_ACCOUNT');
  if (oidcAudience !== undefined && !/^https?:\/\/\S+$/.test(oidcAudience)) {
    throw new ConfigError(
      'CRON_OIDC_AUDIENCE',
      `must be the cron function's URL, got "${oidcAudience}"`,
    );
  }
  if (
    serviceAccount !== undefined &&
    !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(serviceAccount)
  ) {
    throw new ConfigError(
      'CRON_SERVICE_ACCOUNT',
      `must be a service account email, got "${serviceAccount}"`,
    );
  }
  // Half an OIDC configuration is a mistake, not a choice: name what is missing.
  if (oidcAudience !== undefined && serviceAccount === undefined) {
    throw new ConfigError(
      'CRON_SERVICE_ACCOUNT',
      'is required when CRON_OIDC_AUDIENCE is set',
    );
  }
  if (serviceAccount !== undefined && oidcAudience === undefined) {
    throw new ConfigError(
      'CRON_OIDC_AUDIENCE',
      'is required when CRON_SERVICE_ACCOUNT is set',
    );
  }
  const compat = bool(env, 'CRON_APPENGINE_COMPAT', false);
  // Two authentication modes at once would silently drop the OIDC check: refuse it.
  if (compat && oidcAudience !== undefined) {
    throw new ConfigError(
      'CRON_APPENGINE_COMPAT',
      'cannot be true while CRON_OIDC_AUDIENCE and CRON_SERVICE_ACCOUNT are set (choose one way to authenticate cron)',
    );
  }
  return {
    authMode: compat ? 'appengine' : oidcAudience ? 'oidc' : 'none',
    oidcAudience,
    serviceAccount,
    leaseTtlMs: int(env, 'CRON_LEASE_TTL_MS', 600000, 10000, 3600000),
    pruneTokenAgeDays: int(env, 'PRUNE_TOKEN_AGE_DAYS', 270, 1, 3650),
    prunePageSize: int(env, 'PRUNE_PAGE_SIZE', 100, 1, 500),
  };
}

function loginConfig(env: Env): LoginConfig {
  return {
    maxFailuresPerEmail: int(env, 'LOGIN_MAX_FAILURES_PER_EMAIL', 10, 1, 10000),
    maxFailuresPerIp: int(env, 'LOGIN_MAX_FAILURES_PER_IP', 100, 1, 1000000),
    windowMs: int(env, 'LOGIN_WINDOW_MS', 900000, 1000, 86400000),
    forwardedForHops: int(env, 'FORWARDED_FOR_HOPS', 1, 1, 10),
    bcryptCost: int(env, 'BCRYPT_COST', 10, 4, 15),
  };
}

const EMAIL_SHAPE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function notifyConfig(
  env: Env,
  projectId: string | undefined,
  senderId: string | undefined,
  emulated: boolean,
): NotifyConfig {
  const oidcAudience = str(env, 'NOTIFY_OIDC_AUDIENCE');
  const serviceAccounts = (str(env, 'NOTIFY_SERVICE_ACCOUNTS') ?? '')
    .split(',')
    .map(account => account.trim())
    .filter(account => account !== '');
  if (oidcAudience !== undefined && !/^https?:\/\/\S+$/.test(oidcAudience)) {
    throw new ConfigError(
      'NOTIFY_OIDC_AUDIENCE',
      `must be the notifyUser function's URL, got "${oidcAudience}"`,
    );
  }
  const bad = serviceAccounts.find(account => !EMAIL_SHAPE.test(account));
  if (bad !== undefined) {
    throw new ConfigError(
      'NOTIFY_SERVICE_ACCOUNTS',
      `must be comma-separated service account emails, got "${bad}"`,
    );
  }
  // Half an allow-list is a mistake, not a choice: name what is missing.
  if (oidcAudience !== undefined && serviceAccounts.length === 0) {
    throw new ConfigError(
      'NOTIFY_SERVICE_ACCOUNTS',
      'is required when NOTIFY_OIDC_AUDIENCE is set',
    );
  }
  if (serviceAccounts.length > 0 && oidcAudience === undefined) {
    throw new ConfigError(
      'NOTIFY_OIDC_AUDIENCE',
      'is required when NOTIFY_SERVICE_ACCOUNTS is set',
    );
  }
  const fcmProjectId =
    str(env, 'FCM_PROJECT_ID') ??
    (emulated && senderId !== undefined ? senderId : projectId);
  if (
    fcmProjectId !== undefined &&
    !/^[A-Za-z0-9.:-]{1,100}$/.test(fcmProjectId)
  )
    throw new ConfigError(
      'FCM_PROJECT_ID',
      `must be a Firebase project id, got "${fcmProjectId}"`,
    );
  return {
    oidcAudience,
    serviceAccounts,
    fcmProjectId,
    concurrency: int(env, 'NOTIFY_CONCURRENCY', 50, 1, 500),
    retryBudgetMs: int(env, 'NOTIFY_RETRY_BUDGET_MS', 10000, 0, 300000),
  };
}

function hostPort(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(raw))
    throw new ConfigError(name, `must be host:port, got "${raw}"`);
  return raw;
}

function deviceGroupsMode(env: Env): DeviceGroupsMode {
  const raw = str(env, 'DEVICE_GROUPS');
  if (raw === undefined) return 'fcm';
  if (raw === 'fcm' || raw === 'firestore') return raw;
  throw new ConfigError(
    'DEVICE_GROUPS',
    `must be fcm or firestore, got "${raw}"`,
  );
}

/** FCM calls in the longest chain made under one lease. */
const LONGEST_FCM_CHAIN = 6;

/** Parses and validates the environment. Throws ConfigError on the first bad value. */
export function parseConfig(env: Env = process.env): Config {
  const fcmEmulatorHost = hostPort(env, 'FCM_EMULATOR_HOST');
  const projectId =
    str(env, 'GOOGLE_CLOUD_PROJECT') ?? str(env, 'GCLOUD_PROJECT');
  const deviceGroups = deviceGroupsMode(env);
  const senderId =
    str(env, 'FCM_SENDER_ID') ?? (fcmEmulatorHost ? 'emulator' : undefined);
  if (senderId !== undefined && !/^(\d+|emulator)$/.test(senderId)) {
    throw new ConfigError(
      'FCM_SENDER_ID',
      `must be the Firebase project number (digits), got "${senderId}"`,
    );
  }
  // Only device groups need the sender id; the firestore backend makes no group call.
  if (senderId === undefined && deviceGroups === 'fcm')
    throw new ConfigError(
      'FCM_SENDER_ID',
      'is required with DEVICE_GROUPS=fcm (the Firebase project number)',
    );
  const fcmSenderId = senderId ?? '';
  const prefix = str(env, 'DEVICE_GROUP_PREFIX') ?? 'app';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
    throw new ConfigError(
      'DEVICE_GROUP_PREFIX',
      'must be 1-64 letters, digits, dots, dashes or underscores',
    );
  }
  const fcmTimeoutMs = int(env, 'FCM_TIMEOUT_MS', 5000, 100, 60000);
  const firestoreTimeoutMs = int(
    env,
    'FIRESTORE_TIMEOUT_MS',
    10000,
    100,
    60000,
  );
  const leaseTtlMs = int(env, 'LOCK_TTL_MS', 60000, 1000, 600000);
  // The longest chain under one lease is six FCM calls (a move that evicts and finds a
  // stale key) and then the commit that ends the lease: a shorter lease could expire
  // while its holder still works, so such a configuration is refused.
  const longestChainMs = LONGEST_FCM_CHAIN * fcmTimeoutMs + firestoreTimeoutMs;
  if (leaseTtlMs < longestChainMs) {
    throw new ConfigError(
      'LOCK_TTL_MS',
      `must be at least ${LONGEST_FCM_CHAIN} × FCM_TIMEOUT_MS + FIRESTORE_TIMEOUT_MS (${longestChainMs}), got ${leaseTtlMs}`,
    );
  }
  return {
    projectId,
    fcmSenderId,
    fcmEmulatorHost,
    fcmTimeoutMs,
    firestoreTimeoutMs,
    deviceGroupPrefix: prefix,
    deviceGroups,
    // A device group holds 20; a multicast send reaches at most 500 tokens.
    maxDevicesPerUser: int(
      env,
      'MAX_DEVICES_PER_USER',
      20,
      1,
      deviceGroups === 'fcm' ? 20 : 500,
    ),
    leaseTtlMs,
    leaseWaitMs: int(env, 'LOCK_WAIT_MS', 30000, 0, 120000),
    leaseMaxWaiters: int(env, 'LOCK_MAX_WAITERS', 8, 0, 1000),
    leaseMaxPending: int(env, 'LOCK_MAX_PENDING', 50, 1, 1000),
    authRealm: str(env, 'AUTH_REALM') ?? 'Device registration API',
    authCacheTtlMs: int(env, 'AUTH_CACHE_TTL_MS', 60000, 0, 3600000),
    authCacheMaxEntries: int(env, 'AUTH_CACHE_MAX_ENTRIES', 1000, 1, 1000000),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const,
      'INFO',
    ),
    cron: cronConfig(env),
    login: loginConfig(env),
    notify: notifyConfig(
      env,
      projectId,
      senderId,
      fcmEmulatorHost !== undefined,
    ),
  };
}
