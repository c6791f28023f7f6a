import {spawnSync} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {
  ROOT,
  buildOnce,
  deploy,
  fakeCli,
  type FakeCli,
} from './deploy/fake-cli';

const FLAGS = [
  '--project',
  'my-proj-1',
  '--region',
  'europe-west1',
  '--device-groups',
  'fcm',
  '--fcm-sender-id',
  '123456789012',
];
const DEVICES_SA = 'devices-runtime@my-proj-1.iam.gserviceaccount.com';
const NOTIFY_SA = 'notify-runtime@my-proj-1.iam.gserviceaccount.com';
const CRON_SA = 'cron-runtime@my-proj-1.iam.gserviceaccount.com';
const INVOKER_SA = 'cron-invoker@my-proj-1.iam.gserviceaccount.com';
const BATCHES_SA = 'batches-runtime@my-proj-1.iam.gserviceaccount.com';
const DELIVER_SA = 'deliver-runtime@my-proj-1.iam.gserviceaccount.com';
const TRIGGER_SA = 'deliver-invoker@my-proj-1.iam.gserviceaccount.com';
const PUBSUB_AGENT =
  'serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com';
const FUNCTION_NAMES = [
  'add-device',
  'remove-device',
  'cron',
  'notify-user',
  'notify-users',
  'deliver-notification',
  'deliver-notification-dead-letter',
];
const HTTP_FUNCTIONS = FUNCTION_NAMES.slice(0, 5);
const URL = 'https://europe-west1-my-proj-1.cloudfunctions.net/cron';
const COMMON =
  '--gen2 --region=europe-west1 --project=my-proj-1 --runtime=nodejs22 --source=. --trigger-http';
const NOTE = ['notify-user', 'notify-users'].flatMap(fn => [
  `==> note: ${fn} refuses every request (500): no caller is allowed. Deploy again with`,
  '    --notify-callers EMAIL[,EMAIL...] (or NOTIFY_CALLERS) to allow the services that send.',
]);
const SCHEDULER_ARGS = `--project=my-proj-1 --region=europe-west1 --url=${URL} --service-account=${INVOKER_SA} --time-zone=Etc/UTC`;
/** The temporary folder deploy.sh writes the env-vars files to, as printed. */
const TMP = /\/\S*\/deploy\.\w+\//g;
const normal = (commands: string[]) =>
  commands.map(c => c.replace(TMP, 'TMP/'));
/** deploy.sh's reads, in order, for a project where nothing is deployed yet. */
const READS = [
  'gcloud auth list --filter=status:ACTIVE --format=value(account)',
  'gcloud auth application-default print-access-token',
  'gcloud projects describe my-proj-1 --format=value(projectNumber)',
  'gcloud services list --enabled --project=my-proj-1 --format=value(config.name)',
  'gcloud firestore databases describe --database=(default) --project=my-proj-1 --format=value(type)',
  ...[
    DEVICES_SA,
    NOTIFY_SA,
    CRON_SA,
    BATCHES_SA,
    DELIVER_SA,
    INVOKER_SA,
    TRIGGER_SA,
  ].map(
    sa =>
      `gcloud iam service-accounts describe ${sa} --project=my-proj-1 --format=value(email)`,
  ),
  'npm run --silent gcp-build',
  ...FUNCTION_NAMES.map(
    fn =>
      `gcloud functions describe ${fn} --v2 --region=europe-west1 --project=my-proj-1 --format=json`,
  ),
  // Describe-or-create: the topics are read, and created only when missing.
  ...['notifications', 'notifications-dead-letter'].map(
    topic =>
      `gcloud pubsub topics describe ${topic} --project=my-proj-1 --format=value(name)`,
  ),
];
/** A dry run's reads of an event function's trigger subscription, and its settings. */
const SUBSCRIPTION_PLAN = (fn: string) => [
  `gcloud functions describe ${fn} --v2 --region=europe-west1 --project=my-proj-1 --format=value\\(eventTrigger.trigger\\)`,
  'gcloud eventarc triggers describe TRIGGER --location=europe-west1 --project=my-proj-1 --format=value\\(transport.pubsub.subscription\\)',
];

describe('deploy.sh', () => {
  let cli: FakeCli;
  beforeAll(buildOnce, 300_000);
  beforeEach(() => {
    cli = fakeCli();
  });
  afterEach(() => cli.remove());

  it('--dry-run checks everything, prints every command that changes something, in order, and runs none', () => {
    const {status, commands, stderr, stdout} = deploy(
      ['--dry-run', ...FLAGS],
      cli,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const deployFn = (
      name: string,
      entry: string,
      access: string,
      timeout: string,
      sa: string,
      capacity: string,
    ) =>
      `gcloud functions deploy ${name} ${COMMON} --entry-point=${entry} ${access} --timeout=${timeout} --service-account=${sa} ${capacity} --env-vars-file=TMP/${name}.yaml --quiet`;
    const capacity =
      '--concurrency=16 --cpu=1 --memory=512Mi --min-instances=0 --max-instances=20';
    const devices = `${capacity} --ingress-settings=all`;
    const eventFn = (name: string, topic: string) =>
      `gcloud functions deploy ${name} --gen2 --region=europe-west1 --project=my-proj-1 --runtime=nodejs22 --source=. --trigger-topic=${topic} --retry --trigger-service-account=${TRIGGER_SA} --entry-point=deliverNotification --no-allow-unauthenticated --timeout=60s --service-account=${DELIVER_SA} --concurrency=16 --cpu=1 --memory=512Mi --min-instances=0 --max-instances=10 --env-vars-file=TMP/${name}.yaml --quiet`;
    const triggerInvoker = (name: string) =>
      `gcloud functions add-invoker-policy-binding ${name} --region=europe-west1 --project=my-proj-1 --member=serviceAccount:${TRIGGER_SA}`;
    expect(normal(commands)).toEqual([
      'npm run --silent release-rules -- --project=my-proj-1 --rules=firestore.rules',
      'gcloud pubsub topics create notifications --project=my-proj-1',
      'gcloud pubsub topics create notifications-dead-letter --project=my-proj-1',
      `gcloud pubsub topics add-iam-policy-binding notifications --project=my-proj-1 --member=serviceAccount:${BATCHES_SA} --role=roles/pubsub.publisher`,
      `gcloud pubsub topics add-iam-policy-binding notifications-dead-letter --project=my-proj-1 --member=${PUBSUB_AGENT} --role=roles/pubsub.publisher`,
      `gcloud iam service-accounts add-iam-policy-binding ${TRIGGER_SA} --project=my-proj-1 --member=${PUBSUB_AGENT} --role=roles/iam.serviceAccountTokenCreator`,
      deployFn(
        'add-device',
        'addDevice',
        '--allow-unauthenticated',
        '60s',
        DEVICES_SA,
        devices,
      ),
      deployFn(
        'remove-device',
        'removeDevice',
        '--allow-unauthenticated',
        '60s',
        DEVICES_SA,
        devices,
      ),
      deployFn(
        'cron',
        'cron',
        '--no-allow-unauthenticated',
        '540s',
        CRON_SA,
        '--concurrency=1 --cpu=1 --memory=512Mi --min-instances=0 --max-instances=3',
      ),
      `gcloud functions add-invoker-policy-binding cron --region=europe-west1 --project=my-proj-1 --member=serviceAccount:${INVOKER_SA}`,
      // No --notify-callers: deployed without an allow-list, so it refuses every request.
      deployFn(
        'notify-user',
        'notifyUser',
        '--no-allow-unauthenticated',
        '60s',
        NOTIFY_SA,
        capacity,
      ),
      deployFn(
        'notify-users',
        'notifyUsers',
        '--no-allow-unauthenticated',
        '60s',
        BATCHES_SA,
        capacity,
      ),
      eventFn('deliver-notification', 'notifications'),
      triggerInvoker('deliver-notification'),
      ...SUBSCRIPTION_PLAN('deliver-notification'),
      'gcloud pubsub subscriptions update SUBSCRIPTION --project=my-proj-1 --dead-letter-topic=notifications-dead-letter --max-delivery-attempts=15 --min-retry-delay=10s --max-retry-delay=600s',
      `gcloud pubsub subscriptions add-iam-policy-binding SUBSCRIPTION --project=my-proj-1 --member=${PUBSUB_AGENT} --role=roles/pubsub.subscriber`,
      eventFn('deliver-notification-dead-letter', 'notifications-dead-letter'),
      triggerInvoker('deliver-notification-dead-letter'),
      ...SUBSCRIPTION_PLAN('deliver-notification-dead-letter'),
      'gcloud pubsub subscriptions update SUBSCRIPTION --project=my-proj-1 --min-retry-delay=10s --max-retry-delay=600s',
      'gcloud firestore indexes composite create --project=my-proj-1 --collection-group=fcm_registration_tokens --query-scope=collection --field-config=field-path=user_id\\,order=ascending --field-config=field-path=updated_at\\,order=ascending --async',
      'gcloud firestore indexes fields update updated_at --project=my-proj-1 --collection-group=fcm_registration_tokens --index=order=ascending --index=order=descending --index=array-config=contains --async --quiet',
      'gcloud firestore fields ttls update expire_at --project=my-proj-1 --collection-group=cron_runs --enable-ttl --async --quiet',
      'gcloud firestore fields ttls update expires_at --project=my-proj-1 --collection-group=login_failures --enable-ttl --async --quiet',
      'gcloud firestore fields ttls update expires_at --project=my-proj-1 --collection-group=notification_requests --enable-ttl --async --quiet',
      'gcloud firestore fields ttls update expires_at --project=my-proj-1 --collection-group=device_tombstones --enable-ttl --async --quiet',
      'gcloud firestore fields ttls update expires_at --project=my-proj-1 --collection-group=user_tombstones --enable-ttl --async --quiet',
      ...['notification_batches', 'recipients', 'sends'].map(
        group =>
          `gcloud firestore fields ttls update delete_after --project=my-proj-1 --collection-group=${group} --enable-ttl --async --quiet`,
      ),
      `npm run --silent scheduler -- ${SCHEDULER_ARGS}`,
      ...HTTP_FUNCTIONS.map(
        fn =>
          `gcloud functions describe ${fn} --v2 --region=europe-west1 --project=my-proj-1 --format=value\\(serviceConfig.uri\\)`,
      ),
    ]);
    // It ran only reads, and the build.
    expect(cli.calls().map(c => c.join(' '))).toEqual(READS);
    // The rules release and the Scheduler job are shown as they would be sent.
    expect(stdout).toContain('Would release firestore.rules (');
    expect(stdout).toContain(
      '  PATCH https://firebaserules.googleapis.com/v1/projects/my-proj-1/releases/cloud.firestore (POST https://firebaserules.googleapis.com/v1/projects/my-proj-1/releases when there is none)',
    );
    expect(stdout).toContain('"timeZone": "Etc/UTC"');
    expect(stdout.trim().split('\n').slice(-5)).toEqual([
      ...NOTE,
      `==> done (dry run: nothing was changed): cron runs every minute at ${URL}`,
    ]);
  });

  it('--notify-callers allows each caller: on the allow-list with the audience, and as invoker', () => {
    const callers =
      'sender@my-proj-1.iam.gserviceaccount.com,,shop@other-proj.iam.gserviceaccount.com';
    const {status, commands, stderr, stdout} = deploy(
      ['--dry-run', ...FLAGS, `--notify-callers=${callers}`],
      cli,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const at = commands.findIndex(c =>
      c.startsWith('gcloud functions deploy notify-user '),
    );
    const invoker = (fn: string, sa: string) =>
      `gcloud functions add-invoker-policy-binding ${fn} --region=europe-west1 --project=my-proj-1 --member=serviceAccount:${sa}`;
    expect(commands.slice(at + 1, at + 5)).toEqual([
      invoker('notify-user', 'sender@my-proj-1.iam.gserviceaccount.com'),
      invoker('notify-user', 'shop@other-proj.iam.gserviceaccount.com'),
      expect.stringMatching(/^gcloud functions deploy notify-users /),
      invoker('notify-users', 'sender@my-proj-1.iam.gserviceaccount.com'),
    ]);
    expect(commands[at + 5]).toBe(
      invoker('notify-users', 'shop@other-proj.iam.gserviceaccount.com'),
    );
    const env = stdout.slice(stdout.indexOf('==> environment of notify-user '));
    expect(env.split('\n').slice(0, 14)).toEqual([
      '==> environment of notify-user (deployed, then flags; the later wins)',
      '  DEVICE_GROUPS=fcm  (flags)',
      '  FCM_SENDER_ID=123456789012  (flags)',
      '  GOOGLE_CLOUD_PROJECT=my-proj-1  (flags)',
      '  NOTIFY_OIDC_AUDIENCE=https://europe-west1-my-proj-1.cloudfunctions.net/notify-user  (default)',
      '  NOTIFY_SERVICE_ACCOUNTS=sender@my-proj-1.iam.gserviceaccount.com,shop@other-proj.iam.gserviceaccount.com  (flags)',
      // notifyUsers: the same callers, its own URL as audience, and the topic.
      '==> environment of notify-users (deployed, then flags; the later wins)',
      '  DEVICE_GROUPS=fcm  (flags)',
      '  FCM_SENDER_ID=123456789012  (flags)',
      '  GOOGLE_CLOUD_PROJECT=my-proj-1  (flags)',
      '  NOTIFY_OIDC_AUDIENCE=https://europe-west1-my-proj-1.cloudfunctions.net/notify-users  (default)',
      '  NOTIFY_SERVICE_ACCOUNTS=sender@my-proj-1.iam.gserviceaccount.com,shop@other-proj.iam.gserviceaccount.com  (flags)',
      '  NOTIFY_TOPIC=notifications  (flags)',
      '==> environment of deliver-notification (deployed, then flags; the later wins)',
    ]);
    expect(stdout).not.toContain('==> note');
  });

  it('takes every option as --name=value or --name value alike', () => {
    const options = {
      project: 'my-proj-1',
      region: 'europe-west1',
      'device-groups': 'firestore',
      'fcm-sender-id': '123456789012',
      'devices-runtime-service-account': 'd@my-proj-1.iam.gserviceaccount.com',
      'notify-runtime-service-account': 'n@my-proj-1.iam.gserviceaccount.com',
      'cron-runtime-service-account': 'c@my-proj-1.iam.gserviceaccount.com',
      'scheduler-service-account': 's@my-proj-1.iam.gserviceaccount.com',
      runtime: 'nodejs24',
      'device-group-prefix': 'shop',
      'time-zone': 'Europe/Amsterdam',
      'cron-url': 'https://cron-abc.a.run.app',
      'devices-concurrency': '8',
      'devices-cpu': '2',
      'devices-memory': '1Gi',
      'devices-max-instances': '40',
      'devices-min-instances': '1',
      'notify-concurrency': '32',
      'notify-cpu': '1',
      'notify-memory': '256Mi',
      'notify-max-instances': '5',
      'notify-min-instances': '2',
      'cron-concurrency': '1',
      'cron-cpu': '0.5',
      'cron-memory': '256Mi',
      'cron-max-instances': '2',
      'cron-min-instances': '0',
      'notify-url': 'https://notify-user-abc.a.run.app',
      'notify-callers': 's@my-proj-1.iam.gserviceaccount.com',
      'notify-users-url': 'https://notify-users-abc.a.run.app',
      'notify-topic': 'announcements',
      'batches-runtime-service-account': 'b@my-proj-1.iam.gserviceaccount.com',
      'deliver-runtime-service-account': 'r@my-proj-1.iam.gserviceaccount.com',
      'deliver-trigger-service-account': 't@my-proj-1.iam.gserviceaccount.com',
      'batches-concurrency': '4',
      'batches-cpu': '1',
      'batches-memory': '256Mi',
      'batches-max-instances': '3',
      'batches-min-instances': '0',
      'deliver-concurrency': '8',
      'deliver-cpu': '2',
      'deliver-memory': '1Gi',
      'deliver-max-instances': '30',
      'deliver-min-instances': '1',
    };
    const spaced = deploy(
      [
        '--dry-run',
        ...Object.entries(options).flatMap(([k, v]) => [`--${k}`, v]),
      ],
      cli,
    );
    const joined = deploy(
      ['--dry-run', ...Object.entries(options).map(([k, v]) => `--${k}=${v}`)],
      cli,
    );
    expect(spaced.stderr).toBe('');
    expect(spaced.status).toBe(0);
    expect(normal(joined.commands)).toEqual(normal(spaced.commands));
    const deployOf = (fn: string) =>
      normal(spaced.commands).find(c =>
        c.startsWith(`gcloud functions deploy ${fn} `),
      )!;
    const [addDevice, cron, notify, notifyUsers, deliver] = [
      'add-device',
      'cron',
      'notify-user',
      'notify-users',
      'deliver-notification',
    ].map(deployOf);
    expect(addDevice).toContain(
      '--region=europe-west1 --project=my-proj-1 --runtime=nodejs24',
    );
    expect(addDevice).toContain(
      '--service-account=d@my-proj-1.iam.gserviceaccount.com --concurrency=8 --cpu=2 --memory=1Gi --min-instances=1 --max-instances=40 ',
    );
    expect(cron).toContain(
      '--service-account=c@my-proj-1.iam.gserviceaccount.com --concurrency=1 --cpu=0.5 --memory=256Mi --min-instances=0 --max-instances=2 ',
    );
    expect(notify).toContain(
      '--service-account=n@my-proj-1.iam.gserviceaccount.com --concurrency=32 --cpu=1 --memory=256Mi --min-instances=2 --max-instances=5 ',
    );
    expect(notifyUsers).toContain(
      '--service-account=b@my-proj-1.iam.gserviceaccount.com --concurrency=4 --cpu=1 --memory=256Mi --min-instances=0 --max-instances=3 ',
    );
    expect(deliver).toContain(
      '--trigger-topic=announcements --retry --trigger-service-account=t@my-proj-1.iam.gserviceaccount.com ',
    );
    expect(deliver).toContain(
      '--service-account=r@my-proj-1.iam.gserviceaccount.com --concurrency=8 --cpu=2 --memory=1Gi --min-instances=1 --max-instances=30 ',
    );
    expect(deployOf('deliver-notification-dead-letter')).toContain(
      '--trigger-topic=announcements-dead-letter --retry ',
    );
    expect(spaced.commands).toEqual(
      expect.arrayContaining([
        'gcloud pubsub topics create announcements --project=my-proj-1',
        'gcloud pubsub topics add-iam-policy-binding announcements --project=my-proj-1 --member=serviceAccount:b@my-proj-1.iam.gserviceaccount.com --role=roles/pubsub.publisher',
        'gcloud pubsub subscriptions update SUBSCRIPTION --project=my-proj-1 --dead-letter-topic=announcements-dead-letter --max-delivery-attempts=15 --min-retry-delay=10s --max-retry-delay=600s',
      ]),
    );
    for (const line of [
      '  NOTIFY_OIDC_AUDIENCE=https://notify-users-abc.a.run.app  (flags)',
      '  NOTIFY_TOPIC=announcements  (flags)',
      '  DEVICE_GROUPS=firestore  (flags)',
      '  DEVICE_GROUP_PREFIX=shop  (flags)',
      '  CRON_OIDC_AUDIENCE=https://cron-abc.a.run.app  (flags)',
      '  CRON_SERVICE_ACCOUNT=s@my-proj-1.iam.gserviceaccount.com  (flags)',
      '  NOTIFY_OIDC_AUDIENCE=https://notify-user-abc.a.run.app  (flags)',
      '  NOTIFY_SERVICE_ACCOUNTS=s@my-proj-1.iam.gserviceaccount.com  (flags)',
    ])
      expect(spaced.stdout).toContain(`\n${line}\n`);
    expect(spaced.commands).toContain(
      'npm run --silent scheduler -- --project=my-proj-1 --region=europe-west1 --url=https://cron-abc.a.run.app --service-account=s@my-proj-1.iam.gserviceaccount.com --time-zone=Europe/Amsterdam',
    );
  });

  it('takes its settings from the environment too, and flags win', () => {
    const {status, commands, stdout, stderr} = deploy(
      ['--dry-run', ...FLAGS.slice(2, 4), '--runtime', 'nodejs24'],
      cli,
      {
        GOOGLE_CLOUD_PROJECT: 'other-proj',
        REGION: 'us-central1',
        RUNTIME: 'nodejs20',
        DEVICE_GROUPS: 'firestore',
        DEVICES_RUNTIME_SERVICE_ACCOUNT:
          'api@other-proj.iam.gserviceaccount.com',
        CRON_URL: 'https://cron-abc.a.run.app',
        NOTIFY_URL: 'https://notify-user-abc.a.run.app',
        NOTIFY_CALLERS: 's@other-proj.iam.gserviceaccount.com',
        NOTIFY_TOPIC: 'news',
        DELIVER_TRIGGER_SERVICE_ACCOUNT:
          'trigger@other-proj.iam.gserviceaccount.com',
      },
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const deployOf = (fn: string) =>
      commands.find(c => c.startsWith(`gcloud functions deploy ${fn} `))!;
    expect(deployOf('add-device')).toContain(
      '--region=europe-west1 --project=other-proj --runtime=nodejs24',
    );
    expect(deployOf('add-device')).toContain(
      '--service-account=api@other-proj.iam.gserviceaccount.com',
    );
    expect(deployOf('cron')).toContain(
      '--service-account=cron-runtime@other-proj.iam.gserviceaccount.com',
    );
    expect(deployOf('deliver-notification')).toContain(
      '--trigger-topic=news --retry --trigger-service-account=trigger@other-proj.iam.gserviceaccount.com ',
    );
    for (const line of [
      '  DEVICE_GROUPS=firestore  (flags)',
      '  CRON_OIDC_AUDIENCE=https://cron-abc.a.run.app  (flags)',
      '  NOTIFY_OIDC_AUDIENCE=https://notify-user-abc.a.run.app  (flags)',
      '  NOTIFY_SERVICE_ACCOUNTS=s@other-proj.iam.gserviceaccount.com  (flags)',
    ])
      expect(stdout).toContain(`\n${line}\n`);
  });

  it('--fcm-sender-id is needed with fcm only', () => {
    const firestore = deploy(
      [
        '--dry-run',
        '--project=my-proj-1',
        '--region=europe-west1',
        '--device-groups=firestore',
      ],
      cli,
    );
    expect(firestore.stderr).toBe('');
    expect(firestore.status).toBe(0);
    expect(firestore.stdout).not.toContain('FCM_SENDER_ID');
    const fcm = deploy(
      [
        '--dry-run',
        '--project=my-proj-1',
        '--region=europe-west1',
        '--device-groups=fcm',
      ],
      cli,
    );
    expect(fcm.stderr).toBe(
      'deploy.sh: missing --fcm-sender-id (or FCM_SENDER_ID)\nRun ./deploy.sh --help for every option.\n',
    );
    expect(fcm.status).toBe(2);
  });

  it.each([
    [
      'no settings at all',
      [] as string[],
      {},
      [
        'missing --project (or GOOGLE_CLOUD_PROJECT)',
        'missing --device-groups (or DEVICE_GROUPS)',
        'missing --region (or REGION)',
      ],
    ],
    [
      'a project ID as the sender id',
      [...FLAGS, '--fcm-sender-id', 'my-project'],
      {},
      [
        '--fcm-sender-id must be the Firebase project number (digits only; Firebase console > Project settings > Cloud Messaging > Sender ID), not the project ID, got "my-project"',
      ],
    ],
    [
      'every kind of mistake at once',
      [
        '--project=My Project',
        '--region',
        '--device-groups=redis',
        '--fcm-sender-id=12a',
        '--runtime',
        'python312',
        '--devices-cpu',
        '0.5',
        '--cron-memory=1G',
        '--cron-max-instances=5000',
        '--notify-min-instances=30',
        '--cron-runtime-service-account',
        'cron',
        '--force',
        'yes',
        '--dry-run=no',
        '--check',
        '--print-iam-setup',
        '--notify-url=http://notify',
        '--notify-callers',
        'me@example.com,s@p.iam.gserviceaccount.com',
        '--env-file=missing.env',
        '--service-account=api@p.iam.gserviceaccount.com',
        'stray',
      ],
      {FUNCTIONS_SERVICE_ACCOUNT: 'api@p.iam.gserviceaccount.com'},
      [
        'FUNCTIONS_SERVICE_ACCOUNT is no longer read: each function now has its own identity; use the --GROUP-runtime-service-account options (see --help)',
        '--region needs a value',
        'unknown option: --force',
        '--dry-run takes no value',
        '--check and --print-iam-setup exclude each other',
        '--service-account is gone: use the --GROUP-runtime-service-account options (see --help)',
        'unexpected argument: stray',
        '--dry-run and --print-iam-setup exclude each other (--print-iam-setup changes nothing anyway)',
        '--project must be a project ID (6-30 lowercase letters, digits and hyphens), got "My Project"',
        '--device-groups must be fcm or firestore, got "redis"',
        '--fcm-sender-id must be the Firebase project number (digits only; Firebase console > Project settings > Cloud Messaging > Sender ID), not the project ID, got "12a"',
        '--cron-runtime-service-account must be a service account email, got "cron"',
        '--runtime must be a Node.js runtime such as nodejs22, got "python312"',
        '--notify-url must be an https URL, got "http://notify"',
        '--env-file missing.env: no such file',
        '--notify-callers must be service account emails (…gserviceaccount.com) separated by commas, got "me@example.com"',
        '--devices-concurrency 16 needs --devices-cpu 1 or more (2nd gen serves concurrent requests only with a whole vCPU), got 0.5',
        '--notify-min-instances 30 is more than --notify-max-instances 20',
        '--cron-memory must be a size such as 512Mi or 1Gi, got "1G"',
        '--cron-max-instances must be a whole number from 1 to 1000, got "5000"',
      ],
    ],
  ])(
    '%s: names every problem at once, exits 2 and runs nothing',
    (_name, args, env, problems) => {
      const {status, stderr, stdout} = deploy(['--dry-run', ...args], cli, env);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        [
          ...problems.map(p => `deploy.sh: ${p}`),
          'Run ./deploy.sh --help for every option.',
          '',
        ].join('\n'),
      );
      expect(status).toBe(2);
      expect(cli.calls()).toEqual([]);
    },
  );

  it.each([[['--dry-run']], [[]]])(
    'refuses a time zone the Scheduler would refuse, before any change (%j)',
    dryRun => {
      const {status, stderr} = deploy(
        [...dryRun, ...FLAGS, '--time-zone', 'Mars/Olympus'],
        cli,
      );
      expect(stderr).toMatch(/^deploy\.sh: .*Mars\/Olympus/);
      expect(stderr).toContain(
        'deploy.sh: the Scheduler job settings are refused (above); nothing was changed\n',
      );
      expect(status).toBe(2);
      // Only the checks' reads and the build ran.
      expect(cli.calls().map(c => c.join(' '))).toEqual(
        READS.slice(0, READS.indexOf('npm run --silent gcp-build') + 1),
      );
    },
  );

  it('--help prints the full usage, naming every option and the device-group dates, and exits 0', () => {
    const {status, stdout, stderr} = deploy(['--help']);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: \.\/deploy\.sh /);
    // Every option the parser knows (the keys of its `opt` table) is documented, the
    // per-group capacity options as --GROUP-*.
    const script = readFileSync(path.join(ROOT, 'deploy.sh'), 'utf8');
    const table = script.slice(script.indexOf('declare -A opt=('));
    const known = [
      ...table.slice(0, table.indexOf('\n)')).matchAll(/\[([a-z-]+)\]=/g),
    ].map(m =>
      m[1]!.replace(
        /^(devices|notify|cron|batches|deliver)-(concurrency|cpu|memory|max-instances|min-instances)$/,
        'GROUP-$2',
      ),
    );
    expect(known.length).toBeGreaterThan(25);
    for (const flag of [
      ...known.map(k => `--${k}`),
      '--check',
      '--print-iam-setup',
      '--dry-run',
      '--help',
    ])
      expect(stdout).toContain(`${flag} `);
    expect(stdout).toContain('after 2026-12-01');
    expect(stdout).toContain('removed on 2027-09-29');
  });

  it('--print-iam-setup prints the service accounts and the roles each uses, for the backend given', () => {
    const binding = (sa: string, role: string) =>
      `gcloud projects add-iam-policy-binding my-proj-1 --member=serviceAccount:${sa} --role=${role} --condition=None`;
    const create = (name: string) =>
      `gcloud iam service-accounts create ${name} --project=my-proj-1 --display-name=device\\ registration:\\ ${name}`;
    const lines = (out: string) =>
      out.split('\n').filter(l => l && !l.startsWith('#'));
    const fcm = deploy([
      '--print-iam-setup',
      '--project=my-proj-1',
      '--device-groups=fcm',
    ]);
    expect(fcm.stderr).toBe('');
    expect(fcm.status).toBe(0);
    expect(lines(fcm.stdout)).toEqual([
      create('devices-runtime'),
      create('notify-runtime'),
      create('cron-runtime'),
      create('batches-runtime'),
      create('deliver-runtime'),
      create('cron-invoker'),
      create('deliver-invoker'),
      binding(DEVICES_SA, 'roles/datastore.user'),
      binding(DEVICES_SA, 'roles/firebasecloudmessaging.admin'),
      binding(NOTIFY_SA, 'roles/datastore.user'),
      binding(NOTIFY_SA, 'roles/firebasecloudmessaging.admin'),
      binding(CRON_SA, 'roles/datastore.user'),
      binding(CRON_SA, 'roles/firebasecloudmessaging.admin'),
      // notifyUsers only records and publishes (its publisher role is on the topic alone).
      binding(BATCHES_SA, 'roles/datastore.user'),
      binding(DELIVER_SA, 'roles/datastore.user'),
      binding(DELIVER_SA, 'roles/firebasecloudmessaging.admin'),
    ]);

    // With firestore, only notifyUser calls FCM (its HTTP v1 sends).
    const firestore = deploy([
      '--print-iam-setup',
      '--project=my-proj-1',
      '--device-groups=firestore',
      '--devices-runtime-service-account=api@shared-proj.iam.gserviceaccount.com',
    ]);
    expect(firestore.stderr).toBe('');
    expect(firestore.status).toBe(0);
    expect(lines(firestore.stdout)).toEqual([
      create('notify-runtime'),
      create('cron-runtime'),
      create('batches-runtime'),
      create('deliver-runtime'),
      create('cron-invoker'),
      create('deliver-invoker'),
      binding(
        'api@shared-proj.iam.gserviceaccount.com',
        'roles/datastore.user',
      ),
      binding(NOTIFY_SA, 'roles/datastore.user'),
      binding(NOTIFY_SA, 'roles/firebasecloudmessaging.admin'),
      binding(CRON_SA, 'roles/datastore.user'),
      binding(BATCHES_SA, 'roles/datastore.user'),
      binding(DELIVER_SA, 'roles/datastore.user'),
      binding(DELIVER_SA, 'roles/firebasecloudmessaging.admin'),
    ]);
    expect(firestore.stdout).toContain(
      '# api@shared-proj.iam.gserviceaccount.com is not an account of my-proj-1: create it where it belongs.',
    );
    // How to take back the FCM role an earlier setup gave, as comments to run by hand.
    expect(firestore.stdout).toContain(
      `# gcloud projects remove-iam-policy-binding my-proj-1 --member=serviceAccount:${CRON_SA} --role=roles/firebasecloudmessaging.admin --condition=None`,
    );
    // The invoker accounts get no project role: deploy.sh grants each run.invoker on its
    // functions alone.
    for (const sa of [INVOKER_SA, TRIGGER_SA])
      expect(firestore.stdout).not.toContain(`serviceAccount:${sa} --role`);
  });

  it('without --dry-run, runs the commands and prints each function URL at the end', () => {
    const {status, stdout, stderr} = deploy(FLAGS, cli);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.trim().split('\n').slice(-11)).toEqual([
      '==> function URLs',
      ...HTTP_FUNCTIONS.map(fn => `${fn}: https://${fn}-xyz-ew.a.run.app`),
      ...NOTE,
      `==> done: cron runs every minute at ${URL}`,
    ]);
    const deployed = cli.calls().filter(c => c[2] === 'deploy');
    expect(deployed.map(c => c[3])).toEqual(FUNCTION_NAMES);
    expect(cli.state().topics).toEqual([
      'notifications',
      'notifications-dead-letter',
    ]);
    // Each trigger's subscription, found through the function and its Eventarc trigger.
    expect(
      cli
        .calls()
        .map(c => c.join(' '))
        .filter(c => /^gcloud (eventarc|pubsub subscriptions)/.test(c)),
    ).toEqual([
      'gcloud eventarc triggers describe deliver-notification-123456 --location=europe-west1 --project=my-proj-1 --format=value(transport.pubsub.subscription)',
      'gcloud pubsub subscriptions update eventarc-r-deliver-notification-123456-sub-789 --project=my-proj-1 --dead-letter-topic=notifications-dead-letter --max-delivery-attempts=15 --min-retry-delay=10s --max-retry-delay=600s',
      `gcloud pubsub subscriptions add-iam-policy-binding eventarc-r-deliver-notification-123456-sub-789 --project=my-proj-1 --member=${PUBSUB_AGENT} --role=roles/pubsub.subscriber`,
      'gcloud eventarc triggers describe deliver-notification-dead-letter-123456 --location=europe-west1 --project=my-proj-1 --format=value(transport.pubsub.subscription)',
      'gcloud pubsub subscriptions update eventarc-r-deliver-notification-dead-letter-123456-sub-789 --project=my-proj-1 --min-retry-delay=10s --max-retry-delay=600s',
    ]);
    expect(cli.state().functions['deliver-notification']!.env).toEqual({
      DEVICE_GROUPS: 'fcm',
      FCM_SENDER_ID: '123456789012',
      GOOGLE_CLOUD_PROJECT: 'my-proj-1',
      NOTIFY_TOPIC: 'notifications',
    });
    expect(cli.state().functions.cron!.env).toEqual({
      CRON_OIDC_AUDIENCE: URL,
      CRON_SERVICE_ACCOUNT: INVOKER_SA,
      DEVICE_GROUPS: 'fcm',
      FCM_SENDER_ID: '123456789012',
      GOOGLE_CLOUD_PROJECT: 'my-proj-1',
    });
    // The rules release and the Scheduler job went through npm (the recorder here); the
    // rules tool itself is tested against a local server (deploy/release-rules.test.ts).
    expect(
      cli
        .calls()
        .filter(c => c[0] === 'npm')
        .map(c => c.join(' ')),
    ).toEqual([
      'npm run --silent gcp-build',
      'npm run --silent release-rules -- --project=my-proj-1 --rules=firestore.rules',
      `npm run --silent scheduler -- ${SCHEDULER_ARGS}`,
    ]);
    // A second deployment finds both topics and creates neither.
    const again = deploy(['--dry-run', ...FLAGS], cli);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('topic exists: notifications\n');
    expect(again.stdout).toContain('topic exists: notifications-dead-letter\n');
    expect(again.commands.filter(c => c.includes('topics create'))).toEqual([]);
  });

  it("refuses NOTIFY_MAX_ATTEMPTS at or above the trigger subscription's delivery attempts, before any change", () => {
    const dir = path.join(cli.bin, 'env');
    mkdirSync(dir);
    const file = path.join(dir, 'prod.env');
    writeFileSync(file, 'NOTIFY_MAX_ATTEMPTS=15\n');
    const {status, stderr} = deploy([...FLAGS, `--env-file=${file}`], cli);
    expect(stderr).toBe(
      "deploy.sh: NOTIFY_MAX_ATTEMPTS=15 must be below the trigger subscription's 15 delivery attempts (else Pub/Sub gives up on a user before the app records why); nothing was changed\n",
    );
    expect(status).toBe(1);
    expect(
      cli
        .calls()
        .filter(
          c => c[2] === 'deploy' || (c[2] === 'topics' && c[3] === 'create'),
        ),
    ).toEqual([]);
  });

  it('--notify-topic is checked as config.ts checks NOTIFY_TOPIC, and the env file may not set it', () => {
    const bad = deploy(['--dry-run', ...FLAGS, '--notify-topic=goog-x'], cli);
    expect(bad.stderr).toBe(
      'deploy.sh: --notify-topic must not start with "goog" (Pub/Sub reserves it)\nRun ./deploy.sh --help for every option.\n',
    );
    expect(bad.status).toBe(2);
    const short = deploy(['--dry-run', ...FLAGS, '--notify-topic=ab'], cli);
    expect(short.stderr).toContain(
      'deploy.sh: --notify-topic must be a Pub/Sub topic id (3-201 letters, digits and ._~%+-, starting with a letter), got "ab"\n',
    );
    const dir = path.join(cli.bin, 'env');
    mkdirSync(dir);
    const file = path.join(dir, 'prod.env');
    writeFileSync(file, 'NOTIFY_TOPIC=other\n');
    const viaFile = deploy(['--dry-run', ...FLAGS, `--env-file=${file}`], cli);
    expect(viaFile.stderr).toContain('NOTIFY_TOPIC');
    expect(viaFile.stderr).toContain('--notify-topic');
    expect(viaFile.status).toBe(1);
  });

  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  if (!shellcheck)
    process.stderr.write(
      '[SKIPPED: shellcheck is not installed] deploy.sh passes shellcheck\n',
    );
  (shellcheck ? it : it.skip)(
    `passes shellcheck${shellcheck ? '' : ' [SKIPPED: shellcheck is not installed]'}`,
    () => {
      const result = spawnSync(
        'shellcheck',
        ['deploy.sh', '.ci/run', 'test/unit/tools/deploy/fake-gcloud.sh'],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
