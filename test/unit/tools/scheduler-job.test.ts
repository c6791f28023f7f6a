import {main} from '../../../tools/scheduler/main';
import type {Job} from '../../../tools/scheduler/job';
import type {SchedulerClient} from '../../../tools/scheduler/upsert';

/** A fake of the Scheduler API's create/update semantics, holding jobs by name. */
function fakeScheduler() {
  const jobs = new Map<string, Job>();
  const calls: string[] = [];
  const client: SchedulerClient & {close(): Promise<void>} = {
    async createJob({parent, job}) {
      calls.push(`create ${parent}`);
      if (jobs.has(job.name!))
        throw Object.assign(
          new Error('6 ALREADY_EXISTS: Job already exists.'),
          {code: 6},
        );
      jobs.set(job.name!, job);
      return [job];
    },
    async updateJob({job, updateMask}) {
      calls.push(`update ${updateMask.paths.join(',')}`);
      if (!jobs.has(job.name!))
        throw Object.assign(new Error('5 NOT_FOUND'), {code: 5});
      jobs.set(job.name!, job);
      return [job];
    },
    close: async () => undefined,
  };
  return {client, jobs, calls};
}

const ARGS = [
  '--project',
  'p1',
  '--region',
  'europe-west1',
  '--url',
  'https://europe-west1-p1.cloudfunctions.net/cron',
  '--service-account',
  'cron@p1.iam.gserviceaccount.com',
];

const EXPECTED_JOB: Job = {
  name: 'projects/p1/locations/europe-west1/jobs/cron',
  description:
    'Runs the due scheduled tasks of the device registration API (GET /api/cron).',
  schedule: '* * * * *',
  timeZone: 'Europe/Amsterdam',
  httpTarget: {
    uri: 'https://europe-west1-p1.cloudfunctions.net/cron',
    httpMethod: 'GET',
    oidcToken: {
      serviceAccountEmail: 'cron@p1.iam.gserviceaccount.com',
      audience: 'https://europe-west1-p1.cloudfunctions.net/cron',
    },
  },
  retryConfig: {
    retryCount: 3,
    minBackoffDuration: {seconds: 5},
    maxBackoffDuration: {seconds: 20},
    maxDoublings: 2,
    maxRetryDuration: {seconds: 0},
  },
  attemptDeadline: {seconds: 180},
};

async function run(
  argv: string[],
  client?: SchedulerClient & {close(): Promise<void>},
) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    env: {},
    out: t => (out += t),
    err: t => (err += t),
    ...(client ? {client: async () => client} : {}),
  });
  return {code, out, err};
}

describe('npm run scheduler', () => {
  it('creates the job, then updates it when run again: running twice is harmless', async () => {
    const fake = fakeScheduler();
    const first = await run(
      [...ARGS, '--time-zone', 'Europe/Amsterdam'],
      fake.client,
    );
    expect(first).toEqual({
      code: 0,
      err: '',
      out: 'Cloud Scheduler job projects/p1/locations/europe-west1/jobs/cron created: * * * * * (Europe/Amsterdam), GET https://europe-west1-p1.cloudfunctions.net/cron\n',
    });
    const second = await run(
      [...ARGS, '--time-zone', 'Europe/Amsterdam'],
      fake.client,
    );
    expect(second.code).toBe(0);
    expect(second.out).toContain('jobs/cron updated');
    expect(fake.calls).toEqual([
      'create projects/p1/locations/europe-west1',
      'create projects/p1/locations/europe-west1',
      'update description,schedule,time_zone,http_target,retry_config,attempt_deadline',
    ]);
    expect([...fake.jobs.values()]).toEqual([EXPECTED_JOB]);
  });

  it('reports any other API error with exit code 1', async () => {
    const client = {
      ...fakeScheduler().client,
      createJob: async () =>
        Promise.reject(
          Object.assign(new Error('7 PERMISSION_DENIED: no'), {code: 7}),
        ),
    };
    expect(await run(ARGS, client)).toEqual({
      code: 1,
      out: '',
      err: 'Could not create or update the Cloud Scheduler job: 7 PERMISSION_DENIED: no\n',
    });
  });

  it('--dry-run prints the job and calls nothing', async () => {
    const fake = fakeScheduler();
    const result = await run(
      [...ARGS, '--dry-run', '--time-zone', 'Europe/Amsterdam'],
      fake.client,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out.slice(result.out.indexOf('{')))).toEqual(
      EXPECTED_JOB,
    );
    expect(fake.calls).toEqual([]);
  });

  it('--help prints the full usage on stdout and exits 0, whatever else is given', async () => {
    const result = await run(['--bogus', '--help'], fakeScheduler().client);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toMatch(/^Usage: npm run scheduler -- /);
    for (const flag of [
      'project',
      'region',
      'url',
      'service-account',
      'audience',
      'time-zone',
      'job-name',
      'schedule',
      'attempt-deadline',
      'retry-count',
      'dry-run',
      'help',
    ])
      expect(result.out).toContain(`--${flag} `);
  });

  it('takes --name=value as well as --name value', async () => {
    const fake = fakeScheduler();
    const joined = [
      '--project=p1',
      '--region=europe-west1',
      '--url=https://europe-west1-p1.cloudfunctions.net/cron',
      '--service-account=cron@p1.iam.gserviceaccount.com',
      '--time-zone=Europe/Amsterdam',
    ];
    expect((await run(joined, fake.client)).code).toBe(0);
    expect([...fake.jobs.values()]).toEqual([EXPECTED_JOB]);
  });

  it('names every problem at once, then the usage, and exits 2 calling nothing', async () => {
    const fake = fakeScheduler();
    const result = await run(
      [
        '--region',
        '--url=ftp://x',
        '--service-account',
        'cron',
        '--time-zone',
        'Mars/Olympus',
        '--attempt-deadline=5',
        '--retry-count',
        '9',
        '--job-name=my job',
        '--audience=nope',
        '--bogus',
        'value',
        '--dry-run=yes',
        'stray',
      ],
      fake.client,
    );
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(fake.calls).toEqual([]);
    const [problems, usage] = result.err.split('\n\n');
    expect(problems!.split('\n')).toEqual([
      '--region needs a value',
      'unknown option --bogus',
      'unexpected argument "value"',
      '--dry-run takes no value',
      'unexpected argument "stray"',
      '--project (or GOOGLE_CLOUD_PROJECT) is required',
      '--url must be an http(s) URL, got "ftp://x"',
      '--service-account must be a service account email, got "cron"',
      '--audience must be an http(s) URL, got "nope"',
      '--time-zone must be an IANA time zone such as Europe/Amsterdam or UTC, got "Mars/Olympus"',
      '--job-name must be letters, digits, hyphens or underscores, got "my job"',
      '--attempt-deadline must be a whole number from 15 to 1800, got "5"',
      '--retry-count must be a whole number from 0 to 5, got "9"',
    ]);
    expect(usage).toMatch(/^Usage: npm run scheduler -- /);
  });

  it('takes its required settings from the environment when the flags are absent', async () => {
    let out = '';
    const code = await main(['--dry-run'], {
      env: {
        GOOGLE_CLOUD_PROJECT: 'p1',
        REGION: 'europe-west1',
        CRON_URL: 'https://europe-west1-p1.cloudfunctions.net/cron',
        SCHEDULER_SERVICE_ACCOUNT: 'cron@p1.iam.gserviceaccount.com',
        TIME_ZONE: 'Europe/Amsterdam',
      },
      out: t => (out += t),
      err: () => undefined,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out.slice(out.indexOf('{')))).toEqual(EXPECTED_JOB);
  });
});
