/**
 * The documentation of cron: both ways it can be triggered (Cloud Scheduler's OIDC token
 * in production, App Engine's headers in compatibility mode) and every answer.
 */
import {APPENGINE_CRON_ADDRESS, OTHER_ADDRESS} from './examples';
import type {OperationDoc} from './operation-doc';
import {MESSAGES, cronFailureBody, messageBody} from './schemas';

export const CRON_TAG = 'Core';

const COMPAT_ONLY =
  'App Engine compatibility mode only (ignored when cron verifies OIDC tokens).';

export const cronDoc: OperationDoc = {
  tag: CRON_TAG,
  description: [
    "Runs the scheduled tasks that are due (as Laravel's `schedule:run` did when App Engine cron called this URL every minute).",
    'Each due task runs at most once per due time, never overlapping itself.',
    '',
    '**Who may trigger it**',
    '* **Production (default):** Cloud Scheduler, with `Authorization: Bearer <Google-signed OIDC ID token>`.',
    '  The function checks the signature, the issuer, the audience (the function URL) and that `email` is the configured',
    '  scheduler service account with `email_verified`. Missing or invalid token: 401; a valid token of another account: 403.',
    '  The function is also deployed private (IAM invoker granted to that service account only).',
    '* **App Engine compatibility mode (a configuration flag, off by default; on in the local stack):** exactly the Laravel check.',
    '  `X-Appengine-Cron` must be `true` (else 401) and `X-Forwarded-For` must contain `10.0.0.1` (else 403).',
    '  Outside App Engine any caller can send these headers: the flag is for migration only, with the function kept private.',
    '',
    'Related guides: [Validating cron requests](https://cloud.google.com/appengine/docs/flexible/php/scheduling-jobs-with-cron-yaml#validating_cron_requests),',
    '[Cloud Scheduler HTTP targets with OIDC](https://cloud.google.com/scheduler/docs/http-target-auth).',
  ].join('\n'),
  // The empty alternative is the compatibility mode: its headers are not credentials.
  security: [{cloudSchedulerOidc: []}, {}],
  headers: {
    'X-Appengine-Cron': {
      description: `Must be \`true\`. ${COMPAT_ONLY}`,
      schema: {type: 'string', enum: ['true']},
    },
    'X-Forwarded-For': {
      description: `Must contain \`${APPENGINE_CRON_ADDRESS}\`. ${COMPAT_ONLY}`,
      schema: {type: 'string'},
    },
  },
  responses: {
    204: {
      description: 'Every due task succeeded (or none was due). Empty body.',
    },
    401: {
      description:
        'OIDC: the bearer token is missing or invalid. Compatibility mode: `X-Appengine-Cron` is not `true`.',
      body: {
        schema: messageBody(MESSAGES.cronHeader),
        example: {message: MESSAGES.cronHeader},
      },
      headers: {
        'WWW-Authenticate': {
          description: 'OIDC mode: `Bearer`.',
          schema: {type: 'string'},
        },
      },
    },
    403: {
      description:
        'OIDC: the token belongs to another service account. Compatibility mode: `X-Forwarded-For` lacks `10.0.0.1`.',
      body: {
        schema: messageBody(MESSAGES.cronAddress, MESSAGES.cronAccount),
        example: {message: MESSAGES.cronAddress},
      },
    },
    500: {
      description:
        'A due task failed (named in `failed`), so that Cloud Scheduler records the failure and retries. ' +
        'Without `failed` (`{"message":"Server Error"}`): no authentication is configured, so cron refuses every request.',
      body: {
        schema: cronFailureBody,
        example: {
          message: 'Some scheduled tasks failed.',
          failed: ['prune-stale-tokens'],
        },
      },
    },
  },
  requests: [
    {
      status: 204,
      name: 'appengine-cron',
      summary: 'App Engine cron headers (the reference example)',
      headers: {
        'X-Appengine-Cron': 'true',
        'X-Forwarded-For': APPENGINE_CRON_ADDRESS,
      },
    },
    {
      status: 401,
      name: 'missing-header',
      summary: 'Without X-Appengine-Cron',
      headers: {'X-Forwarded-For': APPENGINE_CRON_ADDRESS},
    },
    {
      status: 403,
      name: 'other-address',
      summary: 'From another address',
      headers: {'X-Appengine-Cron': 'true', 'X-Forwarded-For': OTHER_ADDRESS},
    },
  ],
};
