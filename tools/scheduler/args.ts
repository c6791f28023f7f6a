/**
 * Command-line options of `npm run scheduler`, with environment fallbacks.
 */
import {parseArgs} from 'node:util';
import {JOB_DEFAULTS, type JobOptions} from './job';

export const USAGE = `Usage: npm run scheduler -- --project ID --region REGION --url CRON_FUNCTION_URL --service-account EMAIL
         [--audience URL] [--time-zone ${JOB_DEFAULTS.timeZone}] [--job-name ${JOB_DEFAULTS.jobName}]
         [--schedule "${JOB_DEFAULTS.schedule}"] [--attempt-deadline ${JOB_DEFAULTS.attemptDeadlineSeconds}]
         [--retry-count ${JOB_DEFAULTS.retryCount}] [--dry-run]
Environment fallbacks: GOOGLE_CLOUD_PROJECT, REGION, CRON_URL, SCHEDULER_SERVICE_ACCOUNT, TIME_ZONE.`;

export class UsageError extends Error {}

export interface SchedulerArgs {
  job: JobOptions;
  dryRun: boolean;
}

function whole(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  return value;
}

export function parseSchedulerArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): SchedulerArgs {
  let values;
  try {
    ({values} = parseArgs({
      args: argv,
      strict: true,
      options: {
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
        'dry-run': {type: 'boolean', default: false},
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const required = (
    flag: string,
    value: string | undefined,
    envName: string,
  ) => {
    const found = value ?? env[envName];
    if (!found) throw new UsageError(`--${flag} (or ${envName}) is required`);
    return found;
  };
  const url = required('url', values.url, 'CRON_URL');
  if (!/^https?:\/\/\S+$/.test(url))
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  return {
    dryRun: values['dry-run'] ?? false,
    job: {
      project: required('project', values.project, 'GOOGLE_CLOUD_PROJECT'),
      region: required('region', values.region, 'REGION'),
      url,
      serviceAccount: required(
        'service-account',
        values['service-account'],
        'SCHEDULER_SERVICE_ACCOUNT',
      ),
      ...(values.audience ? {audience: values.audience} : {}),
      timeZone: values['time-zone'] ?? env.TIME_ZONE ?? JOB_DEFAULTS.timeZone,
      jobName: values['job-name'] ?? JOB_DEFAULTS.jobName,
      schedule: values.schedule ?? JOB_DEFAULTS.schedule,
      attemptDeadlineSeconds: whole(
        'attempt-deadline',
        values['attempt-deadline'],
        JOB_DEFAULTS.attemptDeadlineSeconds,
        15,
        1800,
      ),
      retryCount: whole(
        'retry-count',
        values['retry-count'],
        JOB_DEFAULTS.retryCount,
        0,
        5,
      ),
    },
  };
}
