/**
 * Who sets each environment variable of a deployed function: deploy.sh's flags, the
 * operator's env file, or nobody (settings that must never reach production).
 */
import {SETTINGS} from '../../shared/platform/config';

/**
 * Settings deploy.sh sets from its own flags, with the flag. The env file may not set them,
 * so that each setting has one place.
 */
export const FLAG_SETTINGS: Readonly<Record<string, string>> = {
  GOOGLE_CLOUD_PROJECT: '--project',
  GCLOUD_PROJECT: '--project',
  DEVICE_GROUPS: '--device-groups',
  FCM_SENDER_ID: '--fcm-sender-id',
  DEVICE_GROUP_PREFIX: '--device-group-prefix',
  CRON_OIDC_AUDIENCE: '--cron-url',
  CRON_SERVICE_ACCOUNT: '--scheduler-service-account',
  NOTIFY_OIDC_AUDIENCE: '--notify-url',
  NOTIFY_SERVICE_ACCOUNTS: '--notify-callers',
  // deploy.sh creates the topic and the triggers: the name has one place, its flag.
  NOTIFY_TOPIC: '--notify-topic',
};

/** Variables of local runs that must never reach a deployed function, with the reason. */
export const LOCAL_ONLY: Readonly<Record<string, string>> = {
  FCM_EMULATOR_HOST: 'points FCM at a local emulator',
  FIRESTORE_EMULATOR_HOST: 'points Firestore at a local emulator',
  PORT: 'is the local stack’s port (Cloud Run sets its own)',
  FIRESTORE_EMULATOR_BIN: 'is read by the local tools only',
  PUBSUB_EMULATOR_HOST: 'points Pub/Sub at a local emulator',
  PUBSUB_EMULATOR_BIN: 'is read by the local tools only',
};

/** The environment variables the app reads: every row of config.ts's settings table. */
export function appSettingNames(): ReadonlySet<string> {
  return new Set(
    Object.values(SETTINGS).flatMap(table =>
      Object.values(table).flatMap(row =>
        row.alias ? [row.env, row.alias] : [row.env],
      ),
    ),
  );
}

/**
 * Whether a variable's value is kept out of printed output. None of today's settings is a
 * secret; this guards the names a secret would have (secrets belong in Secret Manager).
 */
export function isSecretName(name: string): boolean {
  return /(^|_)(SECRET|PASSWORD|PASSWD|TOKEN|KEY|CREDENTIALS?|DSN)$/.test(name);
}
