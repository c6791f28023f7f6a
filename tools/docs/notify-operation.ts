/**
 * The documentation of notifyUser: who may call it (an OIDC allow-list), the message it
 * takes (the schema the function validates with), the answer per device, and every error.
 */
import {MISSING_TOKEN, NOT_ALLOWED} from '../../shared/notify/auth';
import {
  notificationMessageSchema,
  parseNotificationMessage,
} from '../../shared/notify/message';
import {quotaExceeded} from '../../shared/notify/notifier';
import {tokenId} from '../../shared/firestore/collections';
import {EXAMPLE_TOKEN} from './examples';
import type {OperationDoc, ResponseDoc} from './operation-doc';
import {
  MESSAGES,
  fieldErrorsBody,
  messageBody,
  thrownBody,
  type JsonSchema,
} from './schemas';

/** The OIDC allow-list's answers, shared by notifyUser's and notifyUsers' operations. */
export const allowListResponses: Record<number, ResponseDoc> = {
  401: {
    description:
      'The bearer token is missing or invalid (signature, issuer, expiry, audience).',
    body: {
      schema: messageBody(MISSING_TOKEN),
      example: {message: MISSING_TOKEN},
    },
    headers: {
      'WWW-Authenticate': {description: '`Bearer`.', schema: {type: 'string'}},
    },
  },
  403: {
    description:
      'A valid token of an account not on the allow-list, or whose email is not verified.',
    body: {schema: messageBody(NOT_ALLOWED), example: {message: NOT_ALLOWED}},
  },
  500: {
    description:
      'No allow-list is configured: every request is refused (fails closed).',
    body: {
      schema: messageBody(MESSAGES.serverError),
      example: {message: MESSAGES.serverError},
    },
  },
};

/** A malformed Idempotency-Key header, or a body that is not a JSON object. */
export const badIdempotencyKey: ResponseDoc = {
  description:
    'The Idempotency-Key header is malformed, or the body is not a JSON object.',
  body: {schema: messageBody(), example: {message: MESSAGES.invalidJson}},
};

export const NOTIFY_TAG = 'Notifications';

const OUTCOMES = [
  'sent',
  'removed',
  'kept-refreshed',
  'sender-id-mismatch',
  'unavailable',
  'quota-exceeded',
  'invalid-message',
  'failed',
];

const resultProperties: Record<string, JsonSchema> = {
  sent: {
    type: 'integer',
    minimum: 0,
    description: 'Devices FCM accepted the message for.',
  },
  failed: {
    type: 'integer',
    minimum: 0,
    description: 'Devices it was not accepted for (removed ones included).',
  },
  removed: {
    type: 'integer',
    minimum: 0,
    description: "Dead tokens removed from the user's devices.",
  },
  results: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        token_id: {
          type: 'string',
          description: "The token's stable id (a hash, never the token).",
        },
        outcome: {enum: OUTCOMES},
      },
      required: ['token_id', 'outcome'],
      additionalProperties: false,
    },
  },
};

const resultBody: JsonSchema = {
  type: 'object',
  properties: resultProperties,
  required: ['sent', 'failed', 'removed', 'results'],
  additionalProperties: false,
};

const EXAMPLE_MESSAGE = {
  notification: {
    title: 'Your order has shipped',
    body: 'It arrives on Tuesday.',
  },
  data: {order_id: '42'},
};

const EXAMPLE_RESULT = {
  sent: 1,
  failed: 1,
  removed: 1,
  results: [
    {token_id: tokenId(EXAMPLE_TOKEN), outcome: 'sent'},
    {token_id: tokenId('a-dead-token'), outcome: 'removed'},
  ],
};

const INVALID_BODY = thrownBody(() =>
  parseNotificationMessage({data: {order_id: 42}}),
);

export const notifyUserDoc: OperationDoc = {
  tag: NOTIFY_TAG,
  description: [
    'Sends an FCM message to every device of the user. For our own services only: the function is private (IAM invoker),',
    'and it also verifies a Google-signed OIDC ID token whose audience is the function URL and whose verified `email` is on',
    'the allow-list (`NOTIFY_SERVICE_ACCOUNTS`). With no allow-list configured (as in the local stack) every request answers 500.',
    '',
    'The body is an FCM HTTP v1 message without a target: `notification`, `data` (string values), `android`, `apns`,',
    "`webpush`, `fcm_options`. With `DEVICE_GROUPS=fcm` one send goes to the user's notification key and every device",
    'shares its outcome; with `DEVICE_GROUPS=firestore` each token gets its own send, and dead tokens are removed',
    '(unless the device registered again during the send). UNAVAILABLE and INTERNAL are retried within `NOTIFY_RETRY_BUDGET_MS`.',
    '',
    'Send an `Idempotency-Key` to retry safely: the same key for the same user within 24 hours answers the first result',
    'without sending again. See docs/sending.md.',
  ].join('\n'),
  security: [{notifyOidc: []}],
  headers: {
    'Idempotency-Key': {
      description:
        'Optional, 1 to 255 printable ASCII characters. A repeated request with the same key and user within 24 hours answers the first result (with `Idempotent-Replayed: true`) and sends nothing.',
      schema: {type: 'string', minLength: 1, maxLength: 255},
    },
  },
  requestBody: {
    description:
      'An FCM HTTP v1 message without `token`, `topic` or `condition`.',
    schema: structuredClone(notificationMessageSchema) as JsonSchema,
  },
  responses: {
    200: {
      description:
        'Sent (a user without devices answers zeros). One result per device, least recently registered first.',
      body: {schema: resultBody, example: EXAMPLE_RESULT},
      headers: {
        'Idempotent-Replayed': {
          description:
            '`true` when the answer is the stored result of an earlier request with the same Idempotency-Key.',
          schema: {type: 'string', enum: ['true']},
        },
      },
    },
    400: badIdempotencyKey,
    404: {
      description: 'No such user.',
      body: {
        schema: messageBody('Not Found.'),
        example: {message: 'Not Found.'},
      },
    },
    409: {
      description:
        'A request with the same Idempotency-Key is still being sent. Retry after `Retry-After` seconds.',
      body: {
        schema: messageBody(),
        example: {
          message:
            'A request with this Idempotency-Key is in progress. Please retry.',
        },
      },
    },
    422: {
      description:
        "The message is invalid (Laravel's shape: messages per dotted field), or the Idempotency-Key was used with another body.",
      body: {
        schema: fieldErrorsBody,
        example: INVALID_BODY,
      },
    },
    ...allowListResponses,
    503: {
      description:
        'FCM answered QUOTA_EXCEEDED for a device (not retried inside the request), or Firestore is unavailable. Retry after `Retry-After` seconds, with the same Idempotency-Key.',
      body: {
        schema: {
          type: 'object',
          properties: {message: {type: 'string'}, ...resultProperties},
          required: ['message'],
          additionalProperties: false,
        },
        example: quotaExceeded(
          {
            sent: 0,
            failed: 1,
            removed: 0,
            results: [
              {token_id: tokenId(EXAMPLE_TOKEN), outcome: 'quota-exceeded'},
            ],
          },
          60_000,
        ).body,
      },
      headers: {
        'Retry-After': {description: 'Seconds.', schema: {type: 'string'}},
      },
    },
  },
  requests: [
    {
      status: 500,
      name: 'no-allow-list',
      summary: 'On the local stack, which configures no allow-list',
      headers: {'Idempotency-Key': 'order-42-shipped'},
      body: EXAMPLE_MESSAGE,
    },
  ],
};
