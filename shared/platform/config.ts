/**
 * The one configuration: every setting is one row of the tables below (settings.ts), and
 * the `Config` type, the checks and README's settings table follow from the rows. To add a
 * setting, add a row (and, if it depends on another, a named check below); then run
 * `npm run docs` to regenerate README's table.
 *
 * `parseConfig` is pure: it validates every value, applies the defaults and throws one
 * ConfigError naming every problem. The functions parse it when their module loads
 * (functions/index.ts), so a bad configuration stops a deploy instead of answering 500s.
 */
import {
  SHAPES,
  bool,
  int,
  list,
  oneOf,
  readTable,
  text,
  type Env,
  type Problem,
  type Values,
} from './settings';

export class ConfigError extends Error {
  /** The first variable with a problem (every one is in `problems`). */
  readonly variable: string;

  constructor(readonly problems: readonly Problem[]) {
    super(
      `Invalid configuration: ${problems.map(p => `${p.variable} ${p.problem}`).join('; ')}`,
    );
    this.name = 'ConfigError';
    this.variable = problems[0]?.variable ?? '';
  }

  /** Every variable with a problem, in table order. */
  get variables(): string[] {
    return this.problems.map(p => p.variable);
  }
}

export type DeviceGroupsMode = 'fcm' | 'firestore';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

const DEVICE_GROUP_DATES =
  'device groups: no new Firebase projects after 2026-12-01, removed 2027-09-29';

/** The functions' own settings. */
const MAIN = {
  projectId: text(
    'GOOGLE_CLOUD_PROJECT',
    /^\S{1,100}$/,
    'a project id',
    undefined,
    'project of Firestore and of log trace ids',
    {alias: 'GCLOUD_PROJECT', defaultDoc: 'set by Cloud Functions'},
  ),
  deviceGroups: oneOf<DeviceGroupsMode>(
    'DEVICE_GROUPS',
    ['fcm', 'firestore'],
    'fcm',
    `\`fcm\` (FCM device groups) or \`firestore\` (the Firestore device list is the group); ${DEVICE_GROUP_DATES}: see [above](#which-backend-device_groups)`,
  ),
  fcmSenderId: text(
    'FCM_SENDER_ID',
    /^(\d+|emulator)$/,
    'the Firebase project number (digits)',
    undefined,
    "the Firebase project **number** (digits), sent as FCM's `project_id` header",
    {
      defaultDoc:
        'required with `fcm`, unless `FCM_EMULATOR_HOST` is set (`emulator`)',
    },
  ),
  fcmEmulatorHost: text(
    'FCM_EMULATOR_HOST',
    SHAPES.hostPort,
    'host:port',
    undefined,
    '`host:port` of an FCM emulator: plain HTTP, a placeholder token, no Google credentials',
  ),
  fcmTimeoutMs: int(
    'FCM_TIMEOUT_MS',
    5000,
    100,
    60000,
    'timeout of each FCM call',
  ),
  firestoreTimeoutMs: int(
    'FIRESTORE_TIMEOUT_MS',
    10000,
    100,
    60000,
    'how long one Firestore operation may take before the request answers 503 (the SDK alone would retry an unreachable backend for much longer)',
  ),
  deviceGroupPrefix: text(
    'DEVICE_GROUP_PREFIX',
    /^[A-Za-z0-9_.-]{1,64}$/,
    '1-64 letters, digits, dots, dashes or underscores',
    'app',
    'groups are named `{prefix}_users-{id}`, as the Laravel app named them',
    {defaultDoc: '`app` (the local stack sets `local`)'},
  ),
  maxDevicesPerUser: int(
    'MAX_DEVICES_PER_USER',
    20,
    1,
    500,
    "devices kept per user (1–20 with `fcm`, FCM's limit; 1–500 with `firestore`, the multicast limit)",
  ),
  leaseTtlMs: int(
    'LEASE_TTL_MS',
    60000,
    1000,
    600000,
    'validity of a per-user lease before another instance may take it over; must hold the longest chain, 6 × `FCM_TIMEOUT_MS` + `FIRESTORE_TIMEOUT_MS`, and every FCM call under a lease ends before it does',

    {alias: 'LOCK_TTL_MS'},
  ),
  leaseWaitMs: int(
    'LEASE_WAIT_MS',
    30000,
    0,
    120000,
    'how long a request waits for a busy lease before answering 503',

    {alias: 'LOCK_WAIT_MS'},
  ),
  leaseMaxWaiters: int(
    'LEASE_MAX_WAITERS',
    8,
    0,
    1000,
    "requests of one instance that may wait for one user's lease (or queue, with `firestore`); more answer 503 at once",

    {alias: 'LOCK_MAX_WAITERS'},
  ),
  leaseMaxPending: int(
    'LEASE_MAX_PENDING',
    50,
    1,
    1000,
    'failed operations a lease may carry until a repair; beyond it new changes answer 503',

    {alias: 'LOCK_MAX_PENDING'},
  ),
  authRealm: text(
    'AUTH_REALM',
    /^[^"\\\r\n]{1,100}$/,
    'up to 100 characters without quotes or backslashes',
    'Device registration API',
    'realm in `WWW-Authenticate`',
  ),
  authCacheTtlMs: int(
    'AUTH_CACHE_TTL_MS',
    60000,
    0,
    3600000,
    'how long a successful password verification is remembered; `0` turns the cache off (see [the auth cache](docs/performance.md#the-auth-cache-auth_cache_ttl_ms-default-60-s-auth_cache_max_entries-default-1000))',
  ),
  authCacheMaxEntries: int(
    'AUTH_CACHE_MAX_ENTRIES',
    1000,
    1,
    1000000,
    'size bound of that cache',
  ),
  logLevel: oneOf<LogLevel>(
    'LOG_LEVEL',
    ['DEBUG', 'INFO', 'WARNING', 'ERROR'],
    'INFO',
    '`DEBUG`, `INFO`, `WARNING` or `ERROR`',
    {upper: true},
  ),
};

/** Failed-login throttling and password hashing (docs/authentication.md). */
const LOGIN = {
  maxFailuresPerEmailClient: int(
    'LOGIN_MAX_FAILURES_PER_EMAIL_CLIENT',
    10,
    1,
    10000,
    'failed logins per email from one client (an address, or a registered device) per window before that client gets 429',
  ),
  maxFailuresPerIp: int(
    'LOGIN_MAX_FAILURES_PER_IP',
    100,
    1,
    1000000,
    'failed logins per client address (an IPv6 /64) per window, across emails, before that address gets 429',
  ),
  maxFailuresPerEmail: int(
    'LOGIN_MAX_FAILURES_PER_EMAIL',
    50,
    2,
    100000,
    "failed logins per email per window across all clients (a distributed campaign's budget); past it only the user's registered devices are checked; more than `LOGIN_MAX_FAILURES_PER_EMAIL_CLIENT`",
  ),
  windowMs: int(
    'LOGIN_WINDOW_MS',
    900000,
    1000,
    86400000,
    'the counting window',
  ),
  forwardedForHops: int(
    'FORWARDED_FOR_HOPS',
    1,
    1,
    10,
    "which `X-Forwarded-For` entry, from the right, is the client: 1 when the function URLs are called, 2 behind an external load balancer (deploy.sh's `--devices-ingress internal-and-gclb`, else a client forges its address)",
  ),
  bcryptCost: int(
    'BCRYPT_COST',
    10,
    4,
    15,
    'cost of the stored hashes; unknown emails are checked against a hash of this cost, so timing does not tell them apart',
  ),
};

/** Who may trigger cron, and how scheduled tasks run (docs/cron.md). */
const CRON = {
  oidcAudience: text(
    'CRON_OIDC_AUDIENCE',
    SHAPES.url,
    "the cron function's URL",
    undefined,
    "the `aud` cron's OIDC token must carry: the cron function's URL; set together with `CRON_SERVICE_ACCOUNT`",
  ),
  serviceAccount: text(
    'CRON_SERVICE_ACCOUNT',
    SHAPES.email,
    'a service account email',
    undefined,
    "the only service account allowed to trigger cron (the Scheduler job's)",
  ),
  appEngineCompat: bool(
    'CRON_APPENGINE_COMPAT',
    false,
    '`true`: the App Engine header check instead of OIDC, for migration only (anyone can send those headers outside App Engine)',
  ),
  leaseTtlMs: int(
    'CRON_LEASE_TTL_MS',
    600000,
    10000,
    3600000,
    "how long a task's lease lasts; longer than the function timeout (540 s), so a live run is never taken over",
  ),
  pruneTokenAgeDays: int(
    'PRUNE_TOKEN_AGE_DAYS',
    270,
    1,
    3650,
    'tokens not refreshed for this many days are pruned (FCM expires inactive tokens at 270)',
  ),
  prunePageSize: int(
    'PRUNE_PAGE_SIZE',
    100,
    1,
    500,
    'stale tokens read per page by the prune task',
  ),
};

/** Who may send to a user's devices, and how sends run (docs/sending.md). */
const NOTIFY = {
  oidcAudience: text(
    'NOTIFY_OIDC_AUDIENCE',
    SHAPES.url,
    "the notifyUser function's URL",
    undefined,
    "the function's own URL (notifyUser's, or notifyUsers'), the `aud` its callers' OIDC tokens carry; set together with `NOTIFY_SERVICE_ACCOUNTS` (unset: notifyUser and notifyUsers refuse all)",
  ),
  serviceAccounts: list(
    'NOTIFY_SERVICE_ACCOUNTS',
    SHAPES.email,
    'comma-separated service account emails',
    'the service accounts allowed to call notifyUser and notifyUsers (comma-separated)',
  ),
  fcmProjectId: text(
    'FCM_PROJECT_ID',
    /^[A-Za-z0-9.:-]{1,100}$/,
    'a Firebase project id',
    undefined,
    'project of FCM HTTP v1 sends',
    {
      defaultDoc: '`GOOGLE_CLOUD_PROJECT` (the sender id under the emulator)',
    },
  ),
  concurrency: int(
    'NOTIFY_CONCURRENCY',
    50,
    1,
    500,
    'parallel v1 sends of one notification (`firestore` backend)',
  ),
  retryBudgetMs: int(
    'NOTIFY_RETRY_BUDGET_MS',
    10000,
    0,
    300000,
    'time within which UNAVAILABLE/INTERNAL answers are retried with backoff',
  ),
  // ---- Batches (notifyUsers, deliverNotification; docs/sending.md#batches) ----
  topic: text(
    'NOTIFY_TOPIC',
    /^(?!goog)[A-Za-z][A-Za-z0-9._~%+-]{2,200}$/,
    'a Pub/Sub topic id (3-201 characters, starting with a letter, not with "goog")',
    'notifications',
    'Pub/Sub topic notifyUsers publishes one message per user to, and deliverNotification is triggered by; its dead-letter topic is `{NOTIFY_TOPIC}-dead-letter`',
  ),
  maxAttempts: int(
    'NOTIFY_MAX_ATTEMPTS',
    5,
    1,
    50,
    "sends a user of a batch gets before its delivery is recorded `failed` (retries exhausted); below the trigger subscription's `maxDeliveryAttempts` (deploy.sh sets 15)",
  ),
  quotaRetryMs: int(
    'NOTIFY_QUOTA_RETRY_MS',
    60000,
    0,
    3600000,
    "after FCM's QUOTA_EXCEEDED, how long a batch's delivery to that user waits before sending again (FCM's `Retry-After` when longer); FCM asks for at least a minute: lower it only in tests",
  ),
  batchTtlMs: int(
    'NOTIFY_BATCH_TTL_MS',
    3600000,
    1000,
    86400000,
    'how long a batch may be delivered unless its request says `expires_in`; a user reached later is recorded `failed` (expired)',
  ),
  claimTtlMs: int(
    'NOTIFY_CLAIM_TTL_MS',
    600000,
    1000,
    3600000,
    "how long a device's send claimed by a batch delivery counts as in progress; past it (the invocation died between the send and its record) the device counts `failed` (interrupted) and is never sent twice; longer than deliverNotification's timeout",
  ),
};

/** Every row, grouped as README lists them (tools/docs/settings-table.ts). */
export const SETTINGS = {main: MAIN, login: LOGIN, cron: CRON, notify: NOTIFY};

/**
 * `oidc`: Cloud Scheduler's OIDC token is verified (audience and service account set).
 * `appengine`: the App Engine header check, for migration only (CRON_APPENGINE_COMPAT=true).
 * `none`: nothing configured: cron refuses every request (fails closed).
 */
export type CronAuthMode = 'oidc' | 'appengine' | 'none';

export type LoginConfig = Values<typeof LOGIN>;
export type CronConfig = Omit<Values<typeof CRON>, 'appEngineCompat'> & {
  authMode: CronAuthMode;
};
export type NotifyConfig = Values<typeof NOTIFY>;
export type Config = Omit<Values<typeof MAIN>, 'fcmSenderId'> & {
  /** '' when unset in `firestore` mode (no group call is made). */
  fcmSenderId: string;
  login: LoginConfig;
  cron: CronConfig;
  notify: NotifyConfig;
};

/** FCM calls in the longest chain made under one lease (a move that evicts and finds a stale key). */
const LONGEST_FCM_CHAIN = 6;

type Parsed = {
  main: Values<typeof MAIN>;
  login: LoginConfig;
  cron: Values<typeof CRON>;
  notify: NotifyConfig;
};

/** The rules between settings: each returns its problems (none when it holds). */
const CHECKS: Array<(c: Parsed) => Problem[]> = [
  function senderIdWithDeviceGroups({main}) {
    return main.deviceGroups === 'fcm' &&
      main.fcmSenderId === undefined &&
      main.fcmEmulatorHost === undefined
      ? [
          {
            variable: 'FCM_SENDER_ID',
            problem:
              'is required with DEVICE_GROUPS=fcm (the Firebase project number), unless FCM_EMULATOR_HOST names an FCM emulator (127.0.0.1:40022 for npm start)',
          },
        ]
      : [];
  },
  function deviceGroupHoldsTwenty({main}) {
    return main.deviceGroups === 'fcm' && main.maxDevicesPerUser > 20
      ? [
          {
            variable: 'MAX_DEVICES_PER_USER',
            problem: `must be between 1 and 20 with DEVICE_GROUPS=fcm (a device group holds 20), got ${main.maxDevicesPerUser}`,
          },
        ]
      : [];
  },
  function leaseHoldsLongestChain({main}) {
    // A shorter lease could expire while its holder still works.
    const chain =
      LONGEST_FCM_CHAIN * main.fcmTimeoutMs + main.firestoreTimeoutMs;
    return main.leaseTtlMs < chain
      ? [
          {
            variable: 'LEASE_TTL_MS',
            problem: `must be at least ${LONGEST_FCM_CHAIN} × FCM_TIMEOUT_MS + FIRESTORE_TIMEOUT_MS (${chain}), got ${main.leaseTtlMs}`,
          },
        ]
      : [];
  },
  function emailBudgetAboveClientBudget({login}) {
    // One address alone must never spend an email's whole budget: that would lock its owner out.
    return login.maxFailuresPerEmail <= login.maxFailuresPerEmailClient
      ? [
          {
            variable: 'LOGIN_MAX_FAILURES_PER_EMAIL',
            problem: `must be more than LOGIN_MAX_FAILURES_PER_EMAIL_CLIENT (${login.maxFailuresPerEmailClient}), got ${login.maxFailuresPerEmail}`,
          },
        ]
      : [];
  },
  function cronOneWayToAuthenticate({cron}) {
    // Half an OIDC configuration is a mistake, not a choice; two modes would drop the OIDC check.
    if (cron.oidcAudience !== undefined && cron.serviceAccount === undefined)
      return [both('CRON_SERVICE_ACCOUNT', 'CRON_OIDC_AUDIENCE')];
    if (cron.serviceAccount !== undefined && cron.oidcAudience === undefined)
      return [both('CRON_OIDC_AUDIENCE', 'CRON_SERVICE_ACCOUNT')];
    if (cron.appEngineCompat && cron.oidcAudience !== undefined)
      return [
        {
          variable: 'CRON_APPENGINE_COMPAT',
          problem:
            'cannot be true while CRON_OIDC_AUDIENCE and CRON_SERVICE_ACCOUNT are set (choose one way to authenticate cron)',
        },
      ];
    return [];
  },
  function notifyWholeAllowList({notify}) {
    if (
      notify.oidcAudience !== undefined &&
      notify.serviceAccounts.length === 0
    )
      return [both('NOTIFY_SERVICE_ACCOUNTS', 'NOTIFY_OIDC_AUDIENCE')];
    if (notify.serviceAccounts.length > 0 && notify.oidcAudience === undefined)
      return [both('NOTIFY_OIDC_AUDIENCE', 'NOTIFY_SERVICE_ACCOUNTS')];
    return [];
  },
];

function both(missing: string, given: string): Problem {
  return {variable: missing, problem: `is required when ${given} is set`};
}

/** Parses and validates the environment; throws one ConfigError naming every problem. */
export function parseConfig(env: Env = process.env): Config {
  const problems: Problem[] = [];
  const parsed: Parsed = {
    main: readTable(MAIN, env, problems),
    login: readTable(LOGIN, env, problems),
    cron: readTable(CRON, env, problems),
    notify: readTable(NOTIFY, env, problems),
  };
  // A variable already reported bad is not reported again by a rule that read its fallback.
  const bad = new Set(problems.map(p => p.variable));
  for (const check of CHECKS)
    problems.push(...check(parsed).filter(p => !bad.has(p.variable)));
  if (problems.length > 0) throw new ConfigError(problems);
  const {main, login, cron, notify} = parsed;
  const emulated = main.fcmEmulatorHost !== undefined;
  // The emulator's stand-in sender id, which also names its project's device groups.
  const senderId = main.fcmSenderId ?? (emulated ? 'emulator' : undefined);
  const {appEngineCompat, ...cronRest} = cron;
  return {
    ...main,
    fcmSenderId: senderId ?? '',
    login,
    cron: {
      ...cronRest,
      authMode: appEngineCompat
        ? 'appengine'
        : cron.oidcAudience !== undefined
          ? 'oidc'
          : 'none',
    },
    notify: {
      ...notify,
      // The emulator knows a project's device groups by the sender id.
      fcmProjectId:
        notify.fcmProjectId ??
        (emulated && senderId !== undefined ? senderId : main.projectId),
    },
  };
}
