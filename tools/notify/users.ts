/**
 * The users of `npm run notify -- --users 1,2,3` or `--users-file FILE` (one id per line,
 * blank lines skipped), checked as notifyUsers checks them: ids Firestore accepts, each once.
 */
import {isUserId} from '../../shared/notify/request';

export type UserList =
  {kind: 'ok'; users: string[]} | {kind: 'invalid'; problems: string[]};

/** At most this many problems are named; the rest are counted. */
const NAMED = 5;

/** Reads ids from `entries` (`where(i)` names the i-th, as "line 3" or "entry 2"). */
export function checkUserList(
  entries: readonly string[],
  where: (index: number) => string,
  source: string,
): UserList {
  const problems: string[] = [];
  const users: string[] = [];
  const first = new Map<string, number>();
  entries.forEach((raw, i) => {
    const id = raw.trim();
    if (id === '') return;
    if (!isUserId(id))
      problems.push(`${source}: ${where(i)} is not a user id: "${id}"`);
    else if (first.has(id))
      problems.push(
        `${source}: user ${id} is named twice (${where(first.get(id)!)} and ${where(i)})`,
      );
    else {
      first.set(id, i);
      users.push(id);
    }
  });
  if (problems.length === 0 && users.length === 0)
    problems.push(`${source} names no user`);
  if (problems.length > NAMED)
    problems.splice(
      NAMED,
      problems.length,
      `… and ${problems.length - NAMED} more problems in ${source}`,
    );
  return problems.length > 0
    ? {kind: 'invalid', problems}
    : {kind: 'ok', users};
}

/** The ids of `--users 1,2,3`. */
export function usersFromFlag(value: string): UserList {
  return checkUserList(value.split(','), i => `entry ${i + 1}`, '--users');
}

/** The ids of a `--users-file`, one per line. */
export function usersFromFile(text: string, file: string): UserList {
  return checkUserList(text.split(/\r?\n/), i => `line ${i + 1}`, file);
}
