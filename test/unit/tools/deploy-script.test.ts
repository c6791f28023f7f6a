import {spawnSync} from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const FLAGS = [
  '--project',
  'p1',
  '--region',
  'europe-west1',
  '--fcm-sender-id',
  '123456789012',
  '--service-account',
  'api@p1.iam.gserviceaccount.com',
  '--scheduler-service-account',
  'cron@p1.iam.gserviceaccount.com',
];

function deploy(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        ![
          'GOOGLE_CLOUD_PROJECT',
          'REGION',
          'FCM_SENDER_ID',
          'CRON_URL',
          'RUNTIME',
        ].includes(k),
    ),
  );
  const result = spawnSync('bash', ['deploy.sh', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {...clean, PATH: process.env.PATH!, ...env},
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    commands: result.stdout.split('\n').filter(l => l.startsWith('+ ')),
  };
}

describe('deploy.sh', () => {
  it('--dry-run prints every command, in order, and runs none', () => {
    const {status, commands, stderr} = deploy(['--dry-run', ...FLAGS]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const common =
      '--gen2 --runtime=nodejs22 --region=europe-west1 --project=p1 --source=. --trigger-http --service-account=api@p1.iam.gserviceaccount.com --quiet';
    const env =
      'FCM_SENDER_ID=123456789012\\,DEVICE_GROUP_PREFIX=app\\,GOOGLE_CLOUD_PROJECT=p1';
    const url = 'https://europe-west1-p1.cloudfunctions.net/cron';
    expect(commands).toEqual([
      '+ npm run --silent gcp-build',
      `+ gcloud functions deploy add-device ${common} --entry-point=addDevice --allow-unauthenticated --set-env-vars=${env}`,
      `+ gcloud functions deploy remove-device ${common} --entry-point=removeDevice --allow-unauthenticated --set-env-vars=${env}`,
      `+ gcloud functions deploy cron ${common} --entry-point=cron --no-allow-unauthenticated --timeout=540s --set-env-vars=${env}\\,CRON_OIDC_AUDIENCE=${url}\\,CRON_SERVICE_ACCOUNT=cron@p1.iam.gserviceaccount.com`,
      '+ gcloud functions add-invoker-policy-binding cron --region=europe-west1 --project=p1 --member=serviceAccount:cron@p1.iam.gserviceaccount.com',
      '+ gcloud firestore indexes composite create --project=p1 --collection-group=fcm_registration_tokens --query-scope=collection --field-config=field-path=user_id\\,order=ascending --field-config=field-path=updated_at\\,order=ascending --async',
      '+ gcloud firestore indexes fields update updated_at --project=p1 --collection-group=fcm_registration_tokens --index=order=ascending --index=order=descending --index=array-config=contains --async --quiet',
      '+ gcloud firestore fields ttls update expire_at --project=p1 --collection-group=cron_runs --enable-ttl --async --quiet',
      `+ npm run --silent scheduler -- --project p1 --region europe-west1 --url ${url} --service-account cron@p1.iam.gserviceaccount.com --time-zone Etc/UTC`,
    ]);
  });

  it('takes its settings from the environment too, and flags win', () => {
    const {status, commands} = deploy(
      [
        '--dry-run',
        ...FLAGS.slice(2),
        '--runtime',
        'nodejs24',
        '--cron-url',
        'https://cron-abc.a.run.app',
      ],
      {
        GOOGLE_CLOUD_PROJECT: 'p2',
        REGION: 'us-central1',
        RUNTIME: 'nodejs20',
      },
    );
    expect(status).toBe(0);
    expect(commands[1]).toContain(
      '--runtime=nodejs24 --region=europe-west1 --project=p2',
    );
    expect(commands[3]).toContain(
      'CRON_OIDC_AUDIENCE=https://cron-abc.a.run.app',
    );
    expect(commands.at(-1)).toContain('--url https://cron-abc.a.run.app');
  });

  it.each([
    [
      [] as string[],
      'deploy.sh: missing: --project (GOOGLE_CLOUD_PROJECT) --region (REGION) --fcm-sender-id (FCM_SENDER_ID) --service-account (FUNCTIONS_SERVICE_ACCOUNT) --scheduler-service-account (SCHEDULER_SERVICE_ACCOUNT)',
    ],
    [
      FLAGS.slice(0, -2),
      'deploy.sh: missing: --scheduler-service-account (SCHEDULER_SERVICE_ACCOUNT)',
    ],
    [
      [...FLAGS, '--runtime', 'python312'],
      'deploy.sh: --runtime must be a Node.js runtime such as nodejs22, got python312',
    ],
    [[...FLAGS, '--region'], 'deploy.sh: --region needs a value'],
    [[...FLAGS, '--force'], 'deploy.sh: unknown option: --force'],
  ])('%j: stops with a clear error and runs nothing', (args, message) => {
    const {status, stderr, stdout} = deploy(['--dry-run', ...args], {
      FUNCTIONS_SERVICE_ACCOUNT: '',
      SCHEDULER_SERVICE_ACCOUNT: '',
    });
    expect(status).toBe(2);
    expect(stderr.trim().split('\n').at(-1)).toBe(message);
    expect(stdout).toBe('');
  });

  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  if (!shellcheck)
    process.stderr.write(
      '[SKIPPED: shellcheck is not installed] deploy.sh passes shellcheck\n',
    );
  (shellcheck ? it : it.skip)(
    `passes shellcheck${shellcheck ? '' : ' [SKIPPED: shellcheck is not installed]'}`,
    () => {
      const result = spawnSync('shellcheck', ['deploy.sh', '.ci/run'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
