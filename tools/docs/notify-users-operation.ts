/**
 * The documentation of notifyUsers' two operations: creating a batch (the schema the
 * function validates with) and following it.
 */
import {MAX_USERS_PER_BATCH} from '../../shared/notify/batch/collections';
import {KEY_MISMATCH, statusUrl} from '../../shared/notify/batch/create';
import {
  MAX_EXPIRES_IN_S,
  batchBodySchema,
  parseBatchBody,
} from '../../shared/notify/batch/request';
import {notificationMessageSchema} from '../../shared/notify/message';
import {EXAMPLE_BATCH_ID} from './examples';
import {
  NOTIFY_TAG,
  allowListResponses,
  badIdempotencyKey,
} from './notify-operation';
import type {OperationDoc, ResponseDoc} from './operation-doc';
import {
  fieldErrorsBody,
  messageBody,
  thrownBody,
  type JsonSchema,
} from './schemas';

const EXAMPLE_AUDIENCE =
  'https://europe-west1-my-project.cloudfunctions.net/notify-users';

const EXAMPLE_BODY = {
  users: ['1', '2', '3'],
  message: {
    notification: {title: 'We are open on Sunday', body: 'From 10 to 16.'},
  },
  expires_in: 3600,
};

const INVALID_BODY = thrownBody(() =>
  parseBatchBody({users: ['1', '1'], message: {data: {order_id: 42}}}),
);

const validation: ResponseDoc['body'] = {
  schema: fieldErrorsBody,
  example: INVALID_BODY,
};

const INSTANT: JsonSchema = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  description: 'RFC 3339, UTC, in milliseconds.',
};

const count = (description: string): JsonSchema => ({
  type: 'integer',
  minimum: 0,
  description,
});

const statusBody: JsonSchema = {
  type: 'object',
  properties: {
    id: {type: 'string'},
    status: {
      enum: ['queued', 'sending', 'done'],
      description:
        '`queued` until a user is finished, `sending` until every user is, then `done`.',
    },
    users: count('Users in the batch.'),
    sent: count('Users whose devices, at least one, accepted the message.'),
    failed: count(
      'Users none of whose devices got it: FCM refused, retries ran out, the batch expired, or the delivery was interrupted.',
    ),
    removed: count('Users all of whose devices were dead, and were removed.'),
    no_devices: count('Users without devices.'),
    unknown_users: count('Ids that name no user.'),
    created_at: INSTANT,
    finished_at: {
      anyOf: [INSTANT, {type: 'null'}],
      description: 'When the last user was finished; null until `done`.',
    },
  },
  required: [
    'id',
    'status',
    'users',
    'sent',
    'failed',
    'removed',
    'no_devices',
    'unknown_users',
    'created_at',
    'finished_at',
  ],
  additionalProperties: false,
};

const unavailableResponse = (what: string): ResponseDoc => ({
  description: `${what} Retry after \`Retry-After\` seconds.`,
  body: {
    schema: messageBody(),
    example: {message: 'Firestore is temporarily unavailable. Please retry.'},
  },
  headers: {
    'Retry-After': {description: 'Seconds.', schema: {type: 'string'}},
  },
});

export const notifyUsersDoc: OperationDoc = {
  tag: NOTIFY_TAG,
  description: [
    `Sends one FCM message to up to ${MAX_USERS_PER_BATCH} users, in the background: the batch is recorded, one Pub/Sub`,
    'message per user is published, and deliverNotification delivers each user as notifyUser would (both backends, dead',
    'tokens removed), exactly once per device, with Pub/Sub retrying what fails for now (QUOTA_EXCEEDED waits at least a',
    `minute). A user reached after the batch's expiry (\`expires_in\` seconds, up to ${MAX_EXPIRES_IN_S}; one hour by default) is`,
    'counted `failed`: a late notification is worse than none. Same allow-list as notifyUser.',
    '',
    'Send an `Idempotency-Key` to retry safely: a retry with the same key and body answers the same batch (and publishes',
    'again if the first request did not finish: nothing is sent twice). See docs/sending.md.',
  ].join('\n'),
  security: [{notifyOidc: []}],
  headers: {
    'Idempotency-Key': {
      description:
        'Optional, 1 to 255 printable ASCII characters. A repeated request with the same key (from the same caller) answers the same batch, with `Idempotent-Replayed: true`.',
      schema: {type: 'string', minLength: 1, maxLength: 255},
    },
  },
  requestBody: {
    description: `Up to ${MAX_USERS_PER_BATCH} distinct user ids, and an FCM HTTP v1 message without \`token\`, \`topic\` or \`condition\` (notifyUser's body).`,
    schema: {
      ...structuredClone(batchBodySchema),
      properties: {
        ...(structuredClone(batchBodySchema.properties) as object),
        message: structuredClone(notificationMessageSchema),
      },
    } as JsonSchema,
  },
  responses: {
    202: {
      description:
        'The batch is recorded and its users are published. Follow it at `status_url` (also in `Location`).',
      body: {
        schema: {
          type: 'object',
          properties: {
            id: {type: 'string'},
            users: {type: 'integer', minimum: 1},
            status_url: {type: 'string'},
          },
          required: ['id', 'users', 'status_url'],
          additionalProperties: false,
        },
        example: {
          id: EXAMPLE_BATCH_ID,
          users: 3,
          status_url: statusUrl(EXAMPLE_AUDIENCE, EXAMPLE_BATCH_ID),
        },
      },
      headers: {
        Location: {
          description: 'The status URL.',
          schema: {type: 'string'},
        },
        'Idempotent-Replayed': {
          description:
            '`true` when the batch is the one an earlier request with the same Idempotency-Key created.',
          schema: {type: 'string', enum: ['true']},
        },
      },
    },
    400: badIdempotencyKey,
    ...allowListResponses,
    422: {
      description: `The body is invalid (Laravel's shape: messages per dotted field, the message's under \`message.\`), or the Idempotency-Key was used with another body (\`${KEY_MISMATCH}\`).`,
      body: validation,
    },
    503: unavailableResponse(
      'Firestore is unavailable, or Pub/Sub did not take every message (retry with the same Idempotency-Key).',
    ),
  },
  requests: [
    {
      status: 500,
      name: 'no-allow-list',
      summary: 'On the local stack, which configures no allow-list',
      headers: {'Idempotency-Key': 'sunday-opening'},
      body: EXAMPLE_BODY,
    },
  ],
};

export const batchStatusDoc: OperationDoc = {
  tag: NOTIFY_TAG,
  description: [
    "A batch's delivery so far: how many of its users are finished, by outcome. The counts add up to `users` once",
    'the status is `done`. They are counted from one document per user with one aggregation query. Same allow-list',
    'as notifyUser; any allowed caller may read any batch.',
  ].join('\n'),
  security: [{notifyOidc: []}],
  responses: {
    200: {
      description: 'The status.',
      body: {
        schema: statusBody,
        example: {
          id: EXAMPLE_BATCH_ID,
          status: 'done',
          users: 3,
          sent: 1,
          failed: 0,
          removed: 0,
          no_devices: 1,
          unknown_users: 1,
          created_at: '2026-12-07T09:00:00.000Z',
          finished_at: '2026-12-07T09:00:02.512Z',
        },
      },
    },
    ...allowListResponses,
    404: {
      description:
        'No such batch (batches are kept a week after their expiry).',
      body: {
        schema: messageBody('Not Found.'),
        example: {message: 'Not Found.'},
      },
    },
    503: unavailableResponse('Firestore is unavailable.'),
  },
  requests: [
    {
      status: 500,
      name: 'no-allow-list',
      summary: 'On the local stack, which configures no allow-list',
    },
  ],
};
