/**
 * Request validation with ajv, answering in Laravel's 422 format. Values pass through
 * Laravel's TrimStrings and ConvertEmptyStringsToNull first, so "  " counts as missing.
 */
import type {ErrorObject, JSONSchemaType} from 'ajv';
import {lazyValidator} from '../platform/validator';
import {AppError} from '../platform/errors';

export interface RegistrationBody {
  registration_id: string;
}

/** FCM tokens are far shorter; Laravel's rule was `max:4096`. */
export const MAX_REGISTRATION_ID_LENGTH = 4096;

/** The schema of both device endpoints' bodies; also published in the API docs. */
export const registrationBodySchema: JSONSchemaType<RegistrationBody> = {
  type: 'object',
  properties: {
    registration_id: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_REGISTRATION_ID_LENGTH,
      // Printable ASCII without spaces: what FCM tokens are made of. Rejects control
      // characters and NUL bytes that would otherwise end up in Firestore and logs.
      pattern: '^[\\x21-\\x7e]+$',
    },
  },
  required: ['registration_id'],
  additionalProperties: true, // like Laravel, unknown fields are ignored
};

/** Compiled on first use (see platform/validator.ts). */
const validateRegistration = lazyValidator<RegistrationBody>(
  registrationBodySchema,
);

const MESSAGES: Record<string, (attribute: string) => string> = {
  required: a => `The ${a} field is required.`,
  minLength: a => `The ${a} field is required.`,
  type: a => `The ${a} must be a string.`,
  maxLength: a =>
    `The ${a} may not be greater than ${MAX_REGISTRATION_ID_LENGTH} characters.`,
  pattern: a => `The ${a} format is invalid.`,
};

function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required')
    return String((error.params as {missingProperty: string}).missingProperty);
  return error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
}

/** Laravel's 422 answer for the given field errors. */
export function validationError(errors: Record<string, string[]>): AppError {
  return new AppError('validation-failed', 'The given data was invalid.', {
    body: {errors},
  });
}

function laravelInput(value: unknown): unknown {
  if (typeof value !== 'string') return value === null ? undefined : value;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Validates a device endpoint body; returns it typed or throws the 422 AppError. */
export function parseRegistrationBody(
  body: Record<string, unknown>,
): RegistrationBody {
  const input: Record<string, unknown> = {};
  const value = laravelInput(body.registration_id);
  if (value !== undefined) input.registration_id = value;
  const validate = validateRegistration();
  if (validate(input)) return input;
  const errors: Record<string, string[]> = {};
  for (const error of validate.errors ?? []) {
    const field = fieldOf(error);
    const message =
      MESSAGES[error.keyword]?.(field.replace(/_/g, ' ')) ??
      `The ${field} is invalid.`;
    (errors[field] ??= []).push(message);
  }
  throw validationError(errors);
}
