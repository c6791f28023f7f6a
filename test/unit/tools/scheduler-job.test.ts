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

  it.each([
    [
      ['--region', 'r', '--url', 'https://x', '--service-account', 'a@b.c'],
      '--project (or GOOGLE_CLOUD_PROJECT) is required',
    ],
    [
      [...ARGS.slice(0, 4), '--service-account', 'a@b.c'],
      '--url (or CRON_URL) is required',
    ],
    [
      [...ARGS, '--url', 'ftp://x'],
      '--url must be an http(s) URL, got "ftp://x"',
    ],
    [
      [...ARGS, '--attempt-deadline', '5'],
      '--attempt-deadline must be a whole number from 15 to 1800, got "5"',
    ],
    [[...ARGS, '--bogus'], "Unknown option '--bogus'"],
  ])('%j: exit 2 with %s', async (argv, message) => {
    const result = await run(argv, fakeScheduler().client);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err).toContain('Usage: npm run scheduler');
  });
});
