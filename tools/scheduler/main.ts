/**
 * `npm run scheduler -- --project … --region … --url … --service-account …`: creates or
 * updates the Cloud Scheduler job that triggers cron. `--dry-run` prints the job instead;
 * `--help` prints the usage.
 */
import {parseSchedulerArgs, USAGE} from './args';
import {buildJob} from './job';
import {upsertJob, type SchedulerClient} from './upsert';
import {exitWith, stdio} from '../cli/exit';
import {answerUsage} from '../cli/usage';

export interface MainDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The Scheduler client; the real one (application default credentials) when absent. */
  client?: () => Promise<SchedulerClient & {close?: () => Promise<void>}>;
}

const realClient = async () =>
  new (await import('@google-cloud/scheduler')).CloudSchedulerClient();

/** Runs the command; resolves with the exit code. */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const parsed = parseSchedulerArgs(argv, deps.env);
  if (parsed.kind !== 'run') return answerUsage(parsed, USAGE, deps, '');
  const {args} = parsed;
  if (args.dryRun) {
    deps.out(
      `Would create or update this Cloud Scheduler job:\n${JSON.stringify(buildJob(args.job), null, 2)}\n`,
    );
    return 0;
  }
  const client = await (deps.client ?? realClient)();
  try {
    const {action, job} = await upsertJob(client, args.job);
    deps.out(
      `Cloud Scheduler job ${job.name} ${action}: ${job.schedule} (${job.timeZone}), GET ${job.httpTarget!.uri}\n`,
    );
    return 0;
  } catch (err) {
    deps.err(
      `Could not create or update the Cloud Scheduler job: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  } finally {
    await client.close?.();
  }
}

if (require.main === module) {
  exitWith(main(process.argv.slice(2), {env: process.env, ...stdio}));
}
