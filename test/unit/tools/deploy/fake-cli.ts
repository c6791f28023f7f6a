/**
 * Runs deploy.sh as an operator would, with `gcloud` and `npm` replaced on PATH by a small
 * script that logs every call and answers like a project in a known state: the checks'
 * reads, `functions describe` from the functions it has "deployed", and `functions deploy`,
 * which records the --env-vars-file it was given. The real CLIs need a Google Cloud project.
 */
import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../../..');

/** The project as the fake gcloud sees it. */
export interface FakeProject {
  /** The active account; '' = not logged in. */
  account: string;
  adc: boolean;
  /** The project's number; '' = the project cannot be read. */
  projectNumber: string;
  enabledApis: string[];
  /** The (default) database's type, or '' when there is none. */
  database: '' | 'FIRESTORE_NATIVE' | 'DATASTORE_MODE';
  missingAccounts: string[];
  /** Pub/Sub topics that exist. */
  topics: string[];
  /** Deployed functions: their environment, as `functions deploy` left it. */
  functions: Record<string, {env: Record<string, string>}>;
}

export const ALL_APIS = [
  'cloudfunctions.googleapis.com',
  'run.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  'logging.googleapis.com',
  'firestore.googleapis.com',
  'firebaserules.googleapis.com',
  'cloudscheduler.googleapis.com',
  'fcm.googleapis.com',
  'iam.googleapis.com',
  'pubsub.googleapis.com',
  'eventarc.googleapis.com',
];

export const READY: FakeProject = {
  account: 'ops@example.com',
  adc: true,
  projectNumber: '123456789012',
  enabledApis: ALL_APIS,
  database: 'FIRESTORE_NATIVE',
  missingAccounts: [],
  topics: [],
  functions: {},
};

// The stand-in for gcloud and npm (fake-gcloud.sh): bash, because a run calls it a dozen
// times and node would start as often. The project's state is a folder of small files.
const SCRIPT = path.join(__dirname, 'fake-gcloud.sh');

export interface FakeCli {
  bin: string;
  /** Every call to gcloud and npm so far, as argument lists (the tool's name first). */
  calls(): string[][];
  state(): FakeProject;
  setState(state: FakeProject): void;
  remove(): void;
}

/** Writes the fake gcloud and npm to a new folder, answering as `state` says. */
export function fakeCli(state: FakeProject = READY): FakeCli {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'deploy-sh-'));
  for (const name of ['gcloud', 'npm']) {
    copyFileSync(SCRIPT, path.join(bin, name));
    chmodSync(path.join(bin, name), 0o755);
  }
  const file = (name: string) => path.join(bin, name);
  const lines = (name: string) =>
    readFileSync(file(name), 'utf8').split('\n').filter(Boolean);
  const cli: FakeCli = {
    bin,
    calls: () =>
      existsSync(file('calls')) ? lines('calls').map(l => l.split('\x1f')) : [],
    state: () => ({
      account: readFileSync(file('account'), 'utf8').trim(),
      adc: readFileSync(file('adc'), 'utf8').trim() === 'true',
      projectNumber: readFileSync(file('project-number'), 'utf8').trim(),
      enabledApis: lines('apis'),
      database: readFileSync(
        file('database'),
        'utf8',
      ).trim() as FakeProject['database'],
      missingAccounts: lines('missing-accounts'),
      topics: lines('topics'),
      functions: Object.fromEntries(
        readdirSync(file('functions')).map(name => [
          name.replace(/\.json$/, ''),
          {
            env: JSON.parse(
              readFileSync(path.join(file('functions'), name), 'utf8'),
            ) as Record<string, string>,
          },
        ]),
      ),
    }),
    setState: s => {
      writeFileSync(file('account'), `${s.account}\n`);
      writeFileSync(file('adc'), `${s.adc}\n`);
      writeFileSync(file('project-number'), `${s.projectNumber}\n`);
      writeFileSync(file('apis'), s.enabledApis.map(a => `${a}\n`).join(''));
      writeFileSync(file('database'), `${s.database}\n`);
      writeFileSync(
        file('missing-accounts'),
        s.missingAccounts.map(a => `${a}\n`).join(''),
      );
      writeFileSync(file('topics'), s.topics.map(t => `${t}\n`).join(''));
      rmSync(file('functions'), {recursive: true, force: true});
      mkdirSync(file('functions'));
      for (const [name, fn] of Object.entries(s.functions))
        writeFileSync(
          path.join(file('functions'), `${name}.json`),
          JSON.stringify(fn.env),
        );
    },
    remove: () => rmSync(bin, {recursive: true, force: true}),
  };
  cli.setState(state);
  return cli;
}

/** Every variable deploy.sh reads: the tests start from none of them. */
const READ_ENV = [
  'GOOGLE_CLOUD_PROJECT',
  'REGION',
  'DEVICE_GROUPS',
  'FCM_SENDER_ID',
  'DEPLOY_ENV_FILE',
  'DEVICE_GROUP_PREFIX',
  'CRON_URL',
  'NOTIFY_CALLERS',
  'NOTIFY_URL',
  'NOTIFY_USERS_URL',
  'NOTIFY_TOPIC',
  'DEVICES_RUNTIME_SERVICE_ACCOUNT',
  'NOTIFY_RUNTIME_SERVICE_ACCOUNT',
  'CRON_RUNTIME_SERVICE_ACCOUNT',
  'BATCHES_RUNTIME_SERVICE_ACCOUNT',
  'DELIVER_RUNTIME_SERVICE_ACCOUNT',
  'DELIVER_TRIGGER_SERVICE_ACCOUNT',
  'SCHEDULER_SERVICE_ACCOUNT',
  'FUNCTIONS_SERVICE_ACCOUNT',
  'RUNTIME',
  'TIME_ZONE',
];

export interface DeployRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The lines a dry run prints for each command it would run, without the "+ ". */
  commands: string[];
}

/** Runs deploy.sh with `args`, the fake CLIs first on PATH (when given) and `env` added. */
export function deploy(
  args: string[],
  cli?: FakeCli,
  env: Record<string, string> = {},
): DeployRun {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !READ_ENV.includes(k)),
  );
  const PATH = cli
    ? `${cli.bin}${path.delimiter}${process.env.PATH}`
    : process.env.PATH!;
  const result = spawnSync('bash', ['deploy.sh', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {...clean, PATH, ...env},
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    commands: result.stdout
      .split('\n')
      .filter(l => l.startsWith('+ '))
      .map(l => l.slice(2)),
  };
}

/** Writes an env file for one test; returns its path. */
export function envFile(dir: string, name: string, text: string): string {
  mkdirSync(dir, {recursive: true});
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** deploy.sh runs the compiled tools: the tests that run it build first. */
export {buildOnce} from '../../../support/build';
