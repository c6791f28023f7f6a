/**
 * The Cloud Scheduler job that triggers the cron function: every minute, HTTP GET to the
 * function URL with an OIDC token of the scheduler's service account (audience: the URL).
 */
import type {protos} from '@google-cloud/scheduler';

export type Job = protos.google.cloud.scheduler.v1.IJob;

export interface JobOptions {
  project: string;
  region: string;
  /** The cron function's URL (also the OIDC audience unless `audience` is given). */
  url: string;
  serviceAccount: string;
  audience?: string;
  timeZone: string;
  jobName: string;
  schedule: string;
  /** Seconds Cloud Scheduler waits for an answer (15 to 1800). */
  attemptDeadlineSeconds: number;
  retryCount: number;
}

export const JOB_DEFAULTS = {
  timeZone: 'Etc/UTC',
  jobName: 'cron',
  schedule: '* * * * *',
  attemptDeadlineSeconds: 180,
  retryCount: 3,
} as const;

/** The fields an update rewrites (all that buildJob sets besides the name). */
export const UPDATE_MASK = [
  'description',
  'schedule',
  'time_zone',
  'http_target',
  'retry_config',
  'attempt_deadline',
];

export const parentOf = (o: Pick<JobOptions, 'project' | 'region'>) =>
  `projects/${o.project}/locations/${o.region}`;

export function buildJob(o: JobOptions): Job {
  return {
    name: `${parentOf(o)}/jobs/${o.jobName}`,
    description:
      'Runs the due scheduled tasks of the device registration API (GET /api/cron).',
    schedule: o.schedule,
    timeZone: o.timeZone,
    httpTarget: {
      uri: o.url,
      httpMethod: 'GET',
      oidcToken: {
        serviceAccountEmail: o.serviceAccount,
        audience: o.audience ?? o.url,
      },
    },
    // Retries of one run carry the same X-CloudScheduler-ScheduleTime, so the function
    // never runs a task twice for them; they stay within the minute before the next run.
    retryConfig: {
      retryCount: o.retryCount,
      minBackoffDuration: {seconds: 5},
      maxBackoffDuration: {seconds: 20},
      maxDoublings: 2,
      maxRetryDuration: {seconds: 0},
    },
    attemptDeadline: {seconds: o.attemptDeadlineSeconds},
  };
}
