/**
 * What notifyUsers checks before acting, in order: the route (404/405), the caller's OIDC
 * token (500 without an allow-list, 401, 403), then for POST the Idempotency-Key header
 * (400) and the body (413/415/400/422: every problem at once, in Laravel's shape, the
 * message's with notifyUser's rules under `message.`).
 */
import type {Request} from '@google-cloud/functions-framework';
import type {ErrorObject, SchemaObject} from 'ajv';
import type {Logger} from '../../platform/logger';
import {lazyValidator} from '../../platform/validator';
import {readBodyObject} from '../../http/body';
import {methodNotAllowed, notFound} from '../../http/respond';
import {matchBatchPath} from '../../http/routes';
import {validationError} from '../../http/validation';
import type {NotifyAuth} from '../auth';
import {notificationMessageErrors, type NotificationMessage} from '../message';
import {idempotencyKeyOf, isUserId} from '../request';
import {MAX_USERS_PER_BATCH, isBatchId} from './collections';

/** The longest `expires_in` a request may ask for: a day. */
export const MAX_EXPIRES_IN_S = 86_400;

export type BatchRequest =
  | {
      kind: 'create';
      caller: string;
      users: string[];
      message: NotificationMessage;
      expiresInMs: number | undefined;
      idempotencyKey: string | undefined;
    }
  | {kind: 'status'; caller: string; batchId: string};

/** The body's own fields; `message` is checked by notifyUser's schema. */
export const batchBodySchema: SchemaObject = {
  type: 'object',
  properties: {
    users: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_USERS_PER_BATCH,
      items: {type: ['string', 'integer']},
    },
    message: {type: 'object'},
    expires_in: {type: 'integer', minimum: 1, maximum: MAX_EXPIRES_IN_S},
  },
  required: ['users', 'message'],
  additionalProperties: false,
};

const validateBody = lazyValidator<{
  users: Array<string | number>;
  message: Record<string, unknown>;
  expires_in?: number;
}>(batchBodySchema, {allErrors: true, allowUnionTypes: true});

/** One ajv error of the body's own fields, in Laravel's words. */
function bodyError(error: ErrorObject): [string, string] {
  const params = error.params as Record<string, unknown>;
  const field =
    error.keyword === 'required'
      ? String(params.missingProperty)
      : error.keyword === 'additionalProperties'
        ? String(params.additionalProperty)
        : error.instancePath.slice(1).replace(/\//g, '.');
  switch (error.keyword) {
    case 'required':
      return [field, `The ${field} field is required.`];
    case 'additionalProperties':
      return [field, `The ${field} field is not supported.`];
    case 'type':
      return [
        field,
        field.startsWith('users.')
          ? `The ${field} must be a string or an integer.`
          : `The ${field} must be ${params.type === 'array' ? 'an array' : params.type === 'object' ? 'an object' : `an ${String(params.type)}`}.`,
      ];
    case 'minItems':
      return [field, `The ${field} must have at least 1 item.`];
    case 'maxItems':
      return [
        field,
        `The ${field} may not have more than ${MAX_USERS_PER_BATCH} items.`,
      ];
    case 'minimum':
    case 'maximum':
      return [field, `The ${field} must be between 1 and ${MAX_EXPIRES_IN_S}.`];
    default:
      return [field, `The ${field} is invalid.`];
  }
}

/** Validates a notifyUsers body; returns its values or throws the 422 AppError. */
export function parseBatchBody(body: Record<string, unknown>): {
  users: string[];
  message: NotificationMessage;
  expiresInMs: number | undefined;
} {
  const validate = validateBody();
  const errors: Record<string, string[]> = {};
  const add = (field: string, message: string) => {
    const list = (errors[field] ??= []);
    if (!list.includes(message)) list.push(message);
  };
  if (!validate(body))
    for (const error of validate.errors ?? []) add(...bodyError(error));
  const users: string[] = [];
  if (Array.isArray(body.users)) {
    const seen = new Set<string>();
    body.users.forEach((value: unknown, i) => {
      if (typeof value !== 'string' && !Number.isInteger(value)) return;
      const id = String(value);
      if (!isUserId(id)) add(`users.${i}`, `The users.${i} format is invalid.`);
      else if (seen.has(id))
        add(`users.${i}`, `The users.${i} field has a duplicate value.`);
      seen.add(id);
      users.push(id);
    });
  }
  const message = body.message;
  if (
    message !== null &&
    typeof message === 'object' &&
    !Array.isArray(message)
  )
    for (const [field, messages] of Object.entries(
      notificationMessageErrors(message, 'message'),
    ))
      for (const text of messages) add(field, text);
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return {
    users,
    message: message as NotificationMessage,
    expiresInMs:
      typeof body.expires_in === 'number' ? body.expires_in * 1000 : undefined,
  };
}

export async function parseBatchRequest(
  req: Request,
  authorize: NotifyAuth,
  log: Logger,
): Promise<BatchRequest> {
  const route = matchBatchPath(req.path);
  if (!route) throw notFound();
  const method = route.kind === 'collection' ? 'POST' : 'GET';
  if (req.method !== method) throw methodNotAllowed(method);
  const caller = await authorize(req, log);
  if (route.kind === 'batch') {
    if (!isBatchId(route.batchId)) throw notFound();
    return {kind: 'status', caller, batchId: route.batchId};
  }
  const idempotencyKey = idempotencyKeyOf(req);
  return {
    kind: 'create',
    caller,
    idempotencyKey,
    ...parseBatchBody(readBodyObject(req)),
  };
}
