/**
 * The body of notifyUser: an FCM HTTP v1 message without a target (the user's devices are
 * the target), validated with ajv against the fields supported here, and answered in
 * Laravel's 422 shape like the device endpoints. Free-form parts FCM itself checks
 * (`android.notification`, `apns.payload`, `webpush.notification`) only need to be objects.
 */
import type {ErrorObject, SchemaObject} from 'ajv';
import {lazyValidator} from '../platform/validator';
import {validationError} from '../http/validation';

type StringMap = Record<string, string>;
type FreeForm = Record<string, unknown>;

/** What a notifyUser request may ask FCM to deliver. */
export interface NotificationMessage {
  notification?: {title?: string; body?: string; image?: string};
  data?: StringMap;
  android?: {
    collapse_key?: string;
    priority?: 'NORMAL' | 'HIGH';
    ttl?: string;
    restricted_package_name?: string;
    data?: StringMap;
    notification?: FreeForm;
    fcm_options?: {analytics_label?: string};
    direct_boot_ok?: boolean;
  };
  apns?: {
    headers?: StringMap;
    payload?: FreeForm;
    fcm_options?: {analytics_label?: string; image?: string};
  };
  webpush?: {
    headers?: StringMap;
    data?: StringMap;
    notification?: FreeForm;
    fcm_options?: {link?: string; analytics_label?: string};
  };
  fcm_options?: {analytics_label?: string};
}

/** The parts of a message that carry something to deliver; at least one is required. */
export const CONTENT_FIELDS = [
  'notification',
  'data',
  'android',
  'apns',
  'webpush',
] as const;

/** Targets are refused: the function sends to the user in the path. */
export const TARGET_FIELDS = ['token', 'topic', 'condition'] as const;

const string = {type: 'string', maxLength: 4096};
const stringMap = {type: 'object', additionalProperties: string};
const freeForm = {type: 'object'};
const analyticsLabel = {type: 'string', pattern: '^[a-zA-Z0-9\\-_.~%]{1,50}$'};
const closed = (properties: Record<string, unknown>) => ({
  type: 'object',
  properties,
  additionalProperties: false,
});

/** The schema of notifyUser's body; also published in the API docs. */
export const notificationMessageSchema: SchemaObject = {
  type: 'object',
  properties: {
    notification: closed({title: string, body: string, image: string}),
    data: {
      ...stringMap,
      // FCM refuses these keys in `data`.
      propertyNames: {
        not: {pattern: '^(from|notification|message_type)$|^(google|gcm)\\.'},
      },
    },
    android: closed({
      collapse_key: string,
      priority: {type: 'string', enum: ['NORMAL', 'HIGH']},
      ttl: {type: 'string', pattern: '^\\d{1,10}(\\.\\d{1,9})?s$'},
      restricted_package_name: string,
      data: stringMap,
      notification: freeForm,
      fcm_options: closed({analytics_label: analyticsLabel}),
      direct_boot_ok: {type: 'boolean'},
    }),
    apns: closed({
      headers: stringMap,
      payload: freeForm,
      fcm_options: closed({analytics_label: analyticsLabel, image: string}),
    }),
    webpush: closed({
      headers: stringMap,
      data: stringMap,
      notification: freeForm,
      fcm_options: closed({link: string, analytics_label: analyticsLabel}),
    }),
    fcm_options: closed({analytics_label: analyticsLabel}),
  },
  additionalProperties: false,
  anyOf: CONTENT_FIELDS.map(field => ({required: [field]})),
};

// strictRequired off: the anyOf branches name fields the parent schema defines.
const validateMessage = lazyValidator<NotificationMessage>(
  notificationMessageSchema,
  {allErrors: true, strictRequired: false},
);

/** A JSON pointer as Laravel's dotted attribute name (`/android/ttl` → `android.ttl`). */
function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

const join = (parent: string, child: string) =>
  parent === '' ? child : child === '' ? parent : `${parent}.${child}`;

/**
 * One ajv error as Laravel's field and message; null for errors another one already says.
 * `at` is where the message sits in the body ('' for notifyUser's, `message` for notifyUsers').
 */
function laravelError(error: ErrorObject, at: string): [string, string] | null {
  const local = dotted(error.instancePath);
  const field = join(at, local);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const own = join(local, String(params.additionalProperty));
      const name = join(at, own);
      return (TARGET_FIELDS as readonly string[]).includes(own)
        ? [name, `The ${name} field is prohibited.`]
        : [name, `The ${name} field is not supported.`];
    }
    case 'propertyNames':
      return [
        join(field, String(params.propertyName)),
        `The ${join(field, String(params.propertyName))} key is reserved by FCM.`,
      ];
    case 'anyOf': {
      const name = join(field, 'notification');
      return [
        name,
        `The ${name} field is required when none of ${CONTENT_FIELDS.slice(1)
          .map(f => join(field, f))
          .join(' / ')} are present.`,
      ];
    }
    case 'type':
      return [
        field,
        `The ${field} must be ${params.type === 'object' ? 'an object' : `a ${String(params.type)}`}.`,
      ];
    case 'enum':
      return [field, `The selected ${field} is invalid.`];
    case 'pattern':
      return [field, `The ${field} format is invalid.`];
    case 'maxLength':
      return [
        field,
        `The ${field} may not be greater than ${String(params.limit)} characters.`,
      ];
    case 'required':
    case 'not':
      return null; // said by the anyOf / propertyNames error that contains it
    default:
      return [field, `The ${field} is invalid.`];
  }
}

/**
 * The problems of a message, in Laravel's 422 shape (dotted field → messages), named from
 * `at` (the message's place in the request body); empty when the message is valid.
 */
export function notificationMessageErrors(
  body: unknown,
  at = '',
): Record<string, string[]> {
  const validate = validateMessage();
  if (validate(body)) return {};
  const errors: Record<string, string[]> = {};
  for (const error of validate.errors ?? []) {
    const found = laravelError(error, at);
    if (!found) continue;
    const [field, message] = found;
    const list = (errors[field] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return errors;
}

/** Validates a notifyUser body; returns it typed or throws the 422 AppError. */
export function parseNotificationMessage(
  body: Record<string, unknown>,
): NotificationMessage {
  const errors = notificationMessageErrors(body);
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return body as NotificationMessage;
}
