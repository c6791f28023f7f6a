/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every request and response body.
 * The request schema is the one the functions validate with; error messages are taken
 * from the errors the shared library builds, so the documents follow the code.
 */
import {unauthenticated} from '../../shared/auth/authenticator';
import {
  INVALID_ACCOUNT,
  INVALID_HEADER,
  INVALID_IP,
} from '../../shared/cron/auth';
import {AppError} from '../../shared/platform/errors';
import {
  parseRegistrationBody,
  registrationBodySchema,
} from '../../shared/http/validation';

export type JsonSchema = Record<string, unknown>;

/** The public body of the AppError that `fn` throws. */
export function thrownBody(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.body;
    throw err;
  }
  throw new Error('expected an AppError');
}

export const MESSAGES = {
  unauthenticated: String(unauthenticated('docs').body.message),
  forbidden: 'This action is unauthorized.',
  invalidJson: 'The request body is not valid JSON.',
  serverError: 'Server Error',
  cronHeader: INVALID_HEADER,
  cronAddress: INVALID_IP,
  cronAccount: INVALID_ACCOUNT,
} as const;

/** The 422 body for a request without `registration_id`, exactly as the functions answer it. */
export const MISSING_REGISTRATION_ID = thrownBody(() =>
  parseRegistrationBody({}),
);

/** The request body of both device endpoints (a copy: documents must not share objects). */
export const registrationBody: JsonSchema = structuredClone(
  registrationBodySchema,
) as JsonSchema;

const TIMESTAMP: JsonSchema = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$',
  description: 'UTC, formatted `YYYY-MM-DD HH:MM:SS` as Laravel did.',
};

export const tokenBody: JsonSchema = {
  type: 'object',
  properties: {
    id: {
      type: 'string',
      description: "The token's stable id (a hash of the token).",
    },
    user_id: {
      type: ['integer', 'string'],
      description: 'The user id: a number when it is all digits.',
    },
    registration_id: {type: 'string', description: 'The registration token.'},
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
  },
  required: ['id', 'user_id', 'registration_id', 'created_at', 'updated_at'],
  additionalProperties: false,
};

/** `{"message": …}`; with `messages`, the message is one of them. */
export function messageBody(...messages: string[]): JsonSchema {
  const message: JsonSchema =
    messages.length === 0
      ? {type: 'string'}
      : messages.length === 1
        ? {const: messages[0]}
        : {enum: messages};
  return {
    type: 'object',
    properties: {message},
    required: ['message'],
    additionalProperties: false,
  };
}

export const validationErrorBody: JsonSchema = {
  type: 'object',
  properties: {
    message: {const: String(MISSING_REGISTRATION_ID.message)},
    errors: {
      type: 'object',
      description: 'Messages per invalid field.',
      properties: {
        registration_id: {type: 'array', items: {type: 'string'}, minItems: 1},
      },
      minProperties: 1,
      additionalProperties: false,
    },
  },
  required: ['message', 'errors'],
  additionalProperties: false,
};

/** A 422 in Laravel's shape whose fields are dotted paths of a body (the notify operations). */
export const fieldErrorsBody: JsonSchema = {
  type: 'object',
  properties: {
    message: {const: 'The given data was invalid.'},
    errors: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: {type: 'string'},
        minItems: 1,
      },
      minProperties: 1,
    },
  },
  required: ['message', 'errors'],
  additionalProperties: false,
};

export const cronFailureBody: JsonSchema = {
  type: 'object',
  properties: {
    message: {type: 'string'},
    failed: {
      type: 'array',
      items: {type: 'string'},
      description: 'Names of the scheduled tasks that failed.',
    },
  },
  required: ['message'],
  additionalProperties: false,
};
