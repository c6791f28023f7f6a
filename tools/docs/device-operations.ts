/**
 * The documentation of addDevice and removeDevice: the reference's prose, every status
 * the functions answer with its body, and the example requests.
 */
import {MAX_BODY_BYTES} from '../../shared/http/body';
import {RETRY_AFTER_SECONDS} from '../../shared/platform/errors';
import {
  EXAMPLE_TOKEN,
  EXAMPLE_TOKEN_JSON,
  EXAMPLE_TOKEN_JSON_REFRESHED,
} from './examples';
import type {OperationDoc, ResponseDoc} from './operation-doc';
import {
  MESSAGES,
  MISSING_REGISTRATION_ID,
  messageBody,
  registrationBody,
  tokenBody,
  validationErrorBody,
} from './schemas';

export const DEVICES_TAG = 'Users > FCM Registration Tokens';

const REQUEST_BODY = {
  description: 'The registration token (JSON or form-encoded).',
  schema: registrationBody,
};

const register = {registration_id: EXAMPLE_TOKEN};

/** Answers both device endpoints share, in the order the functions check them. */
const ERRORS: Record<number, ResponseDoc> = {
  400: {
    description: 'The body is not valid JSON, or not a JSON object.',
    body: {schema: messageBody(), example: {message: MESSAGES.invalidJson}},
  },
  401: {
    description:
      'Missing, malformed or wrong credentials. Every failure answers the same.',
    body: {
      schema: messageBody(MESSAGES.unauthenticated),
      example: {message: MESSAGES.unauthenticated},
    },
    headers: {
      'WWW-Authenticate': {
        description:
          'The Basic challenge, e.g. `Basic realm="Device registration API", charset="UTF-8"`.',
        schema: {type: 'string'},
      },
    },
  },
  403: {
    description:
      'The credentials are valid but belong to another user than `{user}`.',
    body: {
      schema: messageBody(MESSAGES.forbidden),
      example: {message: MESSAGES.forbidden},
    },
  },
  413: {
    description: `The body is larger than ${MAX_BODY_BYTES} bytes.`,
    body: {
      schema: messageBody(),
      example: {
        message: `The request body may not be larger than ${MAX_BODY_BYTES} bytes.`,
      },
    },
  },
  415: {
    description:
      'The body is neither `application/json` nor `application/x-www-form-urlencoded`.',
    body: {
      schema: messageBody(),
      example: {
        message:
          'The request body must be application/json or application/x-www-form-urlencoded.',
      },
    },
  },
  422: {
    description:
      '`registration_id` is missing, empty, not a string, longer than 4096 characters or not printable ASCII.',
    body: {schema: validationErrorBody, example: MISSING_REGISTRATION_ID},
  },
  500: {
    description:
      'An unexpected error (logged); the body never carries details.',
    body: {
      schema: messageBody(MESSAGES.serverError),
      example: {message: MESSAGES.serverError},
    },
  },
  503: {
    description:
      "Firestore or FCM is unavailable, or the user's devices are being changed by other requests. Retry later.",
    body: {
      schema: messageBody(),
      example: {
        message:
          'Firebase Cloud Messaging is temporarily unavailable. Please retry.',
      },
    },
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        schema: {type: 'integer', example: RETRY_AFTER_SECONDS},
      },
    },
  },
};

const SECURITY = [{basicAuth: []}];

export const addDeviceDoc: OperationDoc = {
  tag: DEVICES_TAG,
  description: [
    'We recommend calling this API whenever [the user logs in](https://firebase.google.com/docs/cloud-messaging/js/client#retrieve-the-current-registration-token)',
    'and [a new token is generated](https://firebase.google.com/docs/cloud-messaging/js/client#monitor-token-refresh).',
    '',
    'A device group will automatically be created for the provided `{user}`. This automatically tracks devices and adds new devices to existing device groups.',
    '',
    '**NOTE:** The oldest device of a device group with ~20 members will be removed.',
    '',
    'Answers 201 with the new token, or 200 with the stored token (its `updated_at` refreshed) when the user already has it.',
  ].join('\n'),
  security: SECURITY,
  requestBody: REQUEST_BODY,
  responses: {
    200: {
      description: 'The user already had this token: it is kept and refreshed.',
      body: {schema: tokenBody, example: EXAMPLE_TOKEN_JSON_REFRESHED},
    },
    201: {
      description:
        "The token is registered and added to the user's device group.",
      body: {schema: tokenBody, example: EXAMPLE_TOKEN_JSON},
    },
    ...ERRORS,
  },
  requests: [
    {
      status: 201,
      name: 'register',
      summary: 'Register a device (the reference example)',
      body: register,
    },
    {
      status: 200,
      name: 'register-again',
      summary: 'Register the same device again',
      body: register,
    },
    {
      status: 422,
      name: 'missing-registration-id',
      summary: 'Without registration_id',
      body: {},
    },
  ],
};

export const removeDeviceDoc: OperationDoc = {
  tag: DEVICES_TAG,
  description: [
    'We recommend calling this API whenever the user logs out so that:',
    '* the user will not receive a notification on that device, and',
    '* the device group will not reach its ~20 member limit.',
    '',
    'The device group will automatically be deleted for the provided `{user}` if there are no more members, but this should not impact you.',
    '',
    'Removing a token the user does not have also answers 204.',
  ].join('\n'),
  security: SECURITY,
  requestBody: REQUEST_BODY,
  responses: {
    204: {
      description:
        'The token is no longer registered to the user (empty body).',
    },
    ...ERRORS,
  },
  requests: [
    {
      status: 204,
      name: 'remove',
      summary: 'Remove a device (the reference example)',
      body: register,
    },
    {
      status: 422,
      name: 'missing-registration-id',
      summary: 'Without registration_id',
      body: {},
    },
  ],
};
