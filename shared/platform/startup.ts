/**
 * The configuration check a function instance makes when its module loads. Parsing is
 * cheap (SDKs stay lazy); an invalid configuration writes one ERROR line naming every
 * problem and ends the process, so `gcloud functions deploy` fails its health check and
 * the previous revision keeps serving, instead of a new revision answering 500s.
 */
import {ConfigError, parseConfig, type Config} from './config';
import {createLogger, type Logger} from './logger';
import type {Env} from './settings';

/** The parsed configuration, or, when it is invalid, the ERROR line and `exit(1)`. */
export function configAtStart(
  env: Env = process.env,
  log: Logger = createLogger(),
  exit: (code: number) => never = code => process.exit(code),
): Config {
  try {
    return parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.error(`${err.message}. The function does not start.`, {
      variables: err.variables,
    });
    return exit(1);
  }
}
