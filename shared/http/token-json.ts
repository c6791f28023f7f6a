/**
 * The public shape of a registration token, as the Laravel API answered it.
 */
import type {StoredToken} from '../devices/state';

export interface TokenJson {
  id: string;
  user_id: number | string;
  registration_id: string;
  created_at: string;
  updated_at: string;
}

/** Laravel's `YYYY-MM-DD HH:MM:SS`, in UTC. */
export function laravelTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A number when the id is a plain integer (as Laravel's ids were), else the string. */
export function userIdJson(id: string): number | string {
  const n = Number(id);
  return /^(0|[1-9]\d*)$/.test(id) && Number.isSafeInteger(n) ? n : id;
}

export function tokenJson(token: StoredToken): TokenJson {
  return {
    id: token.id,
    user_id: userIdJson(token.user_id),
    registration_id: token.registration_id,
    created_at: laravelTimestamp(token.created_at.toDate()),
    updated_at: laravelTimestamp(token.updated_at.toDate()),
  };
}
