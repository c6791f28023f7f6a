/**
 * Every error text the emulator answers with on `/fcm/notification`.
 *
 * The group texts are the ones FCM itself returns, because clients (ours included) match on them to
 * tell "already exists" from "not found"; changing one is a protocol change, not a wording fix.
 */
export const FcmErrors = {
  alreadyExists: 'notification_key already exists',
  notFound: 'notification_key not found',
  nameMismatch:
    "notification_key_name doesn't match the group name of the notification_key",
  noValidIds: 'no valid registration ids',
  tooManyMembers: 'maximum number of members exceeded',
  invalidOperation: 'invalid operation',
  invalidName: 'notification_key_name must be a non-empty string',
  invalidKey: 'notification_key must be a non-empty string',
  invalidIds: 'registration_ids must be an array of non-empty strings',
  missingNameQuery: 'notification_key_name query parameter is required',
  unauthorized: 'Unauthorized',
  accessTokenAuth: 'access_token_auth header must be true',
  projectIdRequired: 'project_id header is required',
  contentType: 'Content-Type must be application/json',
  malformedJson: 'request body is not valid JSON',
  notAnObject: 'request body must be a JSON object',
  bodyTooLarge: 'request body too large',
} as const;

/** A validation result: the parsed value, or the error text to answer with. */
export type Parsed<T> = {ok: true; value: T} | {ok: false; error: string};
