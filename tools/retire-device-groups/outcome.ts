/**
 * How handling one user ended, and the short reason a failure is counted under.
 */
import {redactTokens} from '../../shared/fcm/endpoints';
import {isAppError} from '../../shared/platform/errors';

export type UserOutcome =
  /** The group's members were removed and the key cleared (or would be, in a dry run). */
  | {kind: 'retired'; tokens: number}
  /** The user has no stored key: nothing to do (a retired user, or one never grouped). */
  | {kind: 'already-retired'}
  /** A key, or devices to rebuild, with no token to act on: a retire clears the key only. */
  | {kind: 'no-devices'}
  /**
   * No group by the user's name under DEVICE_GROUP_PREFIX: nothing was removed and the
   * key is kept (a wrong prefix, or a group FCM deleted already).
   */
  | {kind: 'not-found'}
  /** The user's group was rebuilt from the token documents (or would be). */
  | {kind: 'rebuilt'; tokens: number}
  /** Nothing was finished for this user; a later run tries again. */
  | {kind: 'failed'; reason: string};

export type OutcomeKind = UserOutcome['kind'];

/** Failed on purpose, with a reason of our own (not a remote error). */
export class UserFailure extends Error {}

const MAX_REASON = 120;

/**
 * A short, stable text for counting failures by reason: the remote's own words where an
 * AppError carries them (`FCM answered 503`), never a whole token.
 */
export function failureReason(err: unknown): string {
  if (err instanceof UserFailure) return err.message;
  if (isAppError(err) && err.cause instanceof UserFailure)
    return err.cause.message;
  const what = isAppError(err)
    ? err.message.replace(/ is temporarily.*/, '')
    : '';
  const cause = isAppError(err) ? err.cause : err;
  const detail =
    cause instanceof Error
      ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ''}`
      : String(cause ?? '');
  const text = redactTokens(
    [what, detail.split('\n')[0]].filter(Boolean).join(': '),
  );
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
