/**
 * `deploy.sh --check` and the same check as the first step of every deployment, against a
 * fake gcloud (fake-cli.ts) answering for projects in various states.
 */
import {
  ALL_APIS,
  READY,
  buildOnce,
  deploy,
  fakeCli,
  type FakeCli,
  type FakeProject,
} from './fake-cli';

const FLAGS = [
  '--project=my-proj-1',
  '--region=europe-west1',
  '--device-groups=fcm',
  '--fcm-sender-id=123456789012',
];
const ADC =
  'application default credentials (the Scheduler job and the rules release use them)';

/** A project nobody has prepared: no database, two APIs off, no accounts, no ADC. */
const NEW_PROJECT: FakeProject = {
  ...READY,
  adc: false,
  projectNumber: '999999999999',
  enabledApis: ALL_APIS.filter(
    a =>
      !['firestore.googleapis.com', 'cloudscheduler.googleapis.com'].includes(
        a,
      ),
  ),
  database: '',
  missingAccounts: [
    'notify-runtime@my-proj-1.iam.gserviceaccount.com',
    'cron-invoker@my-proj-1.iam.gserviceaccount.com',
  ],
};

describe('deploy.sh --check', () => {
  let cli: FakeCli;
  beforeAll(buildOnce, 300_000);
  afterEach(() => cli.remove());

  it('says a prepared project is ready, and only reads', () => {
    cli = fakeCli(READY);
    const {status, stdout, stderr} = deploy(
      ['--check', '--project', 'my-proj-1'],
      cli,
    );
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        '==> checking project my-proj-1',
        '  ok       gcloud is logged in as ops@example.com',
        `  ok       ${ADC}`,
        '  ok       project my-proj-1 (number 123456789012)',
        '  ok       the 12 APIs a deployment uses are enabled',
        '  ok       Firestore database (default) in Native mode',
        '  ok       the runtime and invoker service accounts exist',
        '==> my-proj-1 is ready for ./deploy.sh',
        '',
      ].join('\n'),
    );
    expect(status).toBe(0);
    expect(cli.calls().map(c => c.slice(1, 3).join(' '))).toEqual([
      'auth list',
      'auth application-default',
      'projects describe',
      'services list',
      'firestore databases',
      // The five runtime accounts, the scheduler's and the trigger's.
      ...Array(7).fill('iam service-accounts'),
    ]);
  });

  it('lists every missing piece of a new project with the command that fixes it', () => {
    cli = fakeCli(NEW_PROJECT);
    const {status, stdout, stderr} = deploy(['--check', ...FLAGS], cli);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        '==> checking project my-proj-1',
        '  ok       gcloud is logged in as ops@example.com',
        `  MISSING  ${ADC}`,
        '           fix: gcloud auth application-default login',
        '  ok       project my-proj-1 (number 999999999999)',
        '  WRONG    --fcm-sender-id 123456789012 is not the number of my-proj-1',
        '           fix: --fcm-sender-id 999999999999',
        '  MISSING  APIs not enabled: firestore.googleapis.com cloudscheduler.googleapis.com',
        '           fix: gcloud services enable firestore.googleapis.com cloudscheduler.googleapis.com --project=my-proj-1',
        '  MISSING  a Firestore database (default) in Native mode (firestore.googleapis.com is not enabled)',
        '           fix: gcloud services enable firestore.googleapis.com --project=my-proj-1',
        '           fix: gcloud firestore databases create --location=europe-west1 --type=firestore-native --project=my-proj-1',
        "                (the location is permanent: the functions' region, or a multi-region such as eur3 or nam5)",
        '  MISSING  service accounts: notify-runtime@my-proj-1.iam.gserviceaccount.com cron-invoker@my-proj-1.iam.gserviceaccount.com',
        '           fix: ./deploy.sh --project=my-proj-1 --device-groups=fcm --print-iam-setup (review, then run its commands)',
        '==> 5 to fix in my-proj-1 (above); run ./deploy.sh --check again afterwards',
        '',
      ].join('\n'),
    );
    expect(status).toBe(1);
  });

  it.each([
    [
      'not logged in',
      {...READY, account: ''},
      [
        '  MISSING  gcloud is logged in (every other check needs it)',
        '           fix: gcloud auth login',
      ],
    ],
    [
      'a project it cannot read',
      {...READY, projectNumber: ''},
      [
        '  ok       gcloud is logged in as ops@example.com',
        `  ok       ${ADC}`,
        '  MISSING  project my-proj-1 can be read by ops@example.com: PERMISSION_DENIED: the project does not exist or you lack access',
        '           fix: check --project, or ask for a role on the project (gcloud projects list shows yours)',
      ],
    ],
    [
      'no database',
      {...READY, database: ''},
      [
        '  MISSING  a Firestore database (default) in Native mode',
        '           fix: gcloud firestore databases create --location=europe-west1 --type=firestore-native --project=my-proj-1',
        "                (the location is permanent: the functions' region, or a multi-region such as eur3 or nam5)",
      ],
    ],
    [
      'a database in Datastore mode',
      {...READY, database: 'DATASTORE_MODE'},
      [
        '  WRONG    Firestore database (default) is in DATASTORE_MODE mode, not Native mode',
        "           fix: none in place: the app needs Native mode (another project, or Firestore's documentation on switching modes)",
      ],
    ],
  ] as [string, FakeProject, string[]][])(
    '%s: a deployment (dry run or not) stops before any change',
    (_name, project, lines) => {
      cli = fakeCli(project);
      for (const dryRun of [['--dry-run'], []]) {
        const {status, stdout, stderr} = deploy([...dryRun, ...FLAGS], cli);
        for (const line of lines) expect(stdout).toContain(`${line}\n`);
        expect(stderr).toBe(
          'deploy.sh: 1 to fix in my-proj-1 (above); nothing was changed\n',
        );
        expect(status).toBe(1);
      }
      // Reads only: not even the build ran.
      const notReads = cli
        .calls()
        .filter(
          c =>
            !c.some(w =>
              ['list', 'describe', 'print-access-token'].includes(w),
            ),
        );
      expect(notReads).toEqual([]);
    },
  );

  it('a deployment enables the missing APIs itself, once every other check has passed', () => {
    cli = fakeCli({
      ...READY,
      enabledApis: ALL_APIS.filter(a => a !== 'firebaserules.googleapis.com'),
    });
    const dryRun = deploy(['--dry-run', ...FLAGS], cli);
    expect(dryRun.stderr).toBe('');
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout).toContain(
      '  enable   APIs not enabled yet, the deployment enables them: firebaserules.googleapis.com\n',
    );
    expect(dryRun.commands[0]).toBe(
      'gcloud services enable firebaserules.googleapis.com --project=my-proj-1',
    );
    const real = deploy(FLAGS, cli);
    expect(real.stderr).toBe('');
    expect(real.status).toBe(0);
    const calls = cli.calls().map(c => c.join(' '));
    const enable = calls.indexOf(
      'gcloud services enable firebaserules.googleapis.com --project=my-proj-1',
    );
    // After the local checks (the last of them: reading the deployed functions), before
    // the first change (the rules release).
    expect(enable).toBeGreaterThan(
      calls.lastIndexOf(
        'gcloud functions describe notify-user --v2 --region=europe-west1 --project=my-proj-1 --format=json',
      ),
    );
    expect(enable).toBeLessThan(
      calls.indexOf(
        'npm run --silent release-rules -- --project=my-proj-1 --rules=firestore.rules',
      ),
    );
    expect(cli.state().enabledApis).toContain('firebaserules.googleapis.com');
  });
});
