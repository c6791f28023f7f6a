/**
 * The settings the local stack gives the functions on top of the environment, and the
 * check that refuses to start a stack whose configuration the functions would refuse
 * (shared/platform/startup.ts): the same sentence, before any emulator is started.
 */
import {ConfigError, parseConfig} from '../../shared/platform/config';
import {StackError} from './emulators';

/** What the stack sets when the environment does not: its project, group prefix and cron mode. */
export function localSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return {
    GOOGLE_CLOUD_PROJECT:
      env.GOOGLE_CLOUD_PROJECT ?? 'demo-device-registration',
    DEVICE_GROUP_PREFIX: env.DEVICE_GROUP_PREFIX ?? 'local',
    // The reference's cron example sends App Engine's headers: accept them locally.
    CRON_APPENGINE_COMPAT: env.CRON_APPENGINE_COMPAT ?? 'true',
  };
}

/**
 * Throws a StackError naming every problem of the functions' configuration as the stack
 * would run them (its emulators stand in for the hosts it has not started yet).
 */
export function checkFunctionsConfig(env: NodeJS.ProcessEnv): void {
  try {
    parseConfig({
      FCM_EMULATOR_HOST: '127.0.0.1:1',
      ...env,
      ...localSettings(env),
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new StackError(
      `${err.message}. The functions would not start; fix the environment and run npm start again.`,
    );
  }
}
