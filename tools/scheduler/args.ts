/**
 * Command-line options of `npm run scheduler`, with environment fallbacks. Every problem
 * is reported at once.
 */
import {parseFlags, stringFlag, wholeFlag, type FlagSpec} from '../cli/flags';
import type {CommandLine} from '../cli/usage';
import {JOB_DEFAULTS, type JobOptions} from './job';
import {timeZoneProblem} from './time-zone';

export const USAGE = `Usage: npm run scheduler -- --project ID --region REGION --url CRON_FUNCTION_URL --service-account EMAIL [options]
Creates the Cloud Scheduler job that triggers the cron function, or updates it when it exists.
Every option takes its value as --name VALUE or --name=VALUE; the second column is the
environment variable read when the option is absent.

  --project ID                 GOOGLE_CLOUD_PROJECT       (required)
  --region REGION              REGION                     (required) the job's region
  --url URL                    CRON_URL                   (required) the cron function's URL
  --service-account EMAIL      SCHEDULER_SERVICE_ACCOUNT  (required) the identity whose OIDC
                                                          token the job sends; cron accepts only it
  --audience URL               the OIDC token's audience (default: --url)
  --time-zone TZ               TIME_ZONE                  the schedule's IANA time zone
                                                          (default ${JOB_DEFAULTS.timeZone})
  --job-name NAME              (default ${JOB_DEFAULTS.jobName})
  --schedule CRON              unix-cron schedule (default "${JOB_DEFAULTS.schedule}": every minute)
  --attempt-deadline SECONDS   how long one attempt may take, 15 to 1800 (default ${JOB_DEFAULTS.attemptDeadlineSeconds})
  --retry-count N              retries of a failed run, 0 to 5 (default ${JOB_DEFAULTS.retryCount})
  --dry-run                    print the job, change nothing
  -h, --help                   this text`;

const FLAGS = {
  project: {type: 'string'},
  region: {type: 'string'},
  url: {type: 'string'},
  'service-account': {type: 'string'},
  audience: {type: 'string'},
  'time-zone': {type: 'string'},
  'job-name': {type: 'string'},
  schedule: {type: 'string'},
  'attempt-deadline': {type: 'string'},
  'retry-count': {type: 'string'},
  'dry-run': {type: 'boolean'},
} as const satisfies Record<string, FlagSpec>;

export interface SchedulerArgs {
  job: JobOptions;
  dryRun: boolean;
}

export type ParsedSchedulerArgs = CommandLine<SchedulerArgs>;

const URL_SHAPE = /^https?:\/\/\S+$/;
const EMAIL_SHAPE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Cloud Scheduler job ids: letters, digits, hyphens, underscores. */
const JOB_NAME_SHAPE = /^[A-Za-z0-9_-]{1,500}$/;

/** Parses the command line, falling back to `env` for the settings it names. */
export function parseSchedulerArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): ParsedSchedulerArgs {
  const parsed = parseFlags(argv, FLAGS, {positionals: false});
  if (parsed.help) return {kind: 'help'};
  const value = (name: keyof typeof FLAGS) => stringFlag(parsed, name);
  const problems = [...parsed.problems];

  const required = (name: keyof typeof FLAGS, envName: string): string => {
    const found = value(name) ?? env[envName]?.trim();
    if (!found && !parsed.valueless.includes(name))
      problems.push(`--${name} (or ${envName}) is required`);
    return found ?? '';
  };
  const shaped = (name: string, given: string, shape: RegExp, what: string) => {
    if (given && !shape.test(given))
      problems.push(`--${name} must be ${what}, got "${given}"`);
  };

  const project = required('project', 'GOOGLE_CLOUD_PROJECT');
  const region = required('region', 'REGION');
  const url = required('url', 'CRON_URL');
  shaped('url', url, URL_SHAPE, 'an http(s) URL');
  const serviceAccount = required(
    'service-account',
    'SCHEDULER_SERVICE_ACCOUNT',
  );
  shaped(
    'service-account',
    serviceAccount,
    EMAIL_SHAPE,
    'a service account email',
  );
  const audience = value('audience');
  shaped('audience', audience ?? '', URL_SHAPE, 'an http(s) URL');
  const timeZone =
    value('time-zone') ?? (env.TIME_ZONE?.trim() || JOB_DEFAULTS.timeZone);
  const zoneProblem = timeZoneProblem(timeZone);
  if (zoneProblem) problems.push(zoneProblem);
  const jobName = value('job-name') ?? JOB_DEFAULTS.jobName;
  shaped(
    'job-name',
    jobName,
    JOB_NAME_SHAPE,
    'letters, digits, hyphens or underscores',
  );
  const attemptDeadlineSeconds = wholeFlag(
    parsed,
    'attempt-deadline',
    {min: 15, max: 1800, fallback: JOB_DEFAULTS.attemptDeadlineSeconds},
    problems,
  );
  const retryCount = wholeFlag(
    parsed,
    'retry-count',
    {min: 0, max: 5, fallback: JOB_DEFAULTS.retryCount},
    problems,
  );

  if (problems.length > 0) return {kind: 'invalid', problems};
  return {
    kind: 'run',
    args: {
      dryRun: parsed.values['dry-run'] === true,
      job: {
        project,
        region,
        url,
        serviceAccount,
        ...(audience ? {audience} : {}),
        timeZone,
        jobName,
        schedule: value('schedule') ?? JOB_DEFAULTS.schedule,
        attemptDeadlineSeconds,
        retryCount,
      },
    },
  };
}
