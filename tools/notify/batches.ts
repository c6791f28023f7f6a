/**
 * `npm run notify -- --users …`: the batches of notifyUsers, made by the same shared code
 * (runtime.notifyBatches: the batch record and one Pub/Sub message per user), up to 1000
 * users each, then followed until done with a progress bar; each final status is printed
 * as GET /notifications/{batch} answers it.
 */
import {MAX_USERS_PER_BATCH, type BatchStatus} from '../../shared/notify/batch';
import type {NotifyBatches} from '../../shared/notify/batch';
import type {NotificationMessage} from '../../shared/notify';
import type {Logger} from '../../shared/platform/logger';
import {createProgress} from '../cli/progress';
import {plural} from '../cli/plural';

/** The batches' caller: with the same Idempotency-Key, every run names the same batches. */
export const CALLER = 'npm run notify';

export interface ManyDeps {
  batches: Pick<NotifyBatches, 'create' | 'status'>;
  log: Logger;
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  pollMs?: number;
  /** After this long without a user finished, say what may be wrong (once). */
  stallMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const finishedOf = (s: BatchStatus) =>
  s.sent + s.failed + s.removed + s.no_devices + s.unknown_users;

/** Sends to `users` in batches; resolves with the exit code (0: every user sent or without devices). */
export async function sendToMany(
  users: readonly string[],
  message: NotificationMessage,
  idempotencyKey: string | undefined,
  deps: ManyDeps,
): Promise<number> {
  const sleep =
    deps.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)));
  const now = deps.now ?? (() => Date.now());
  const chunks: string[][] = [];
  for (let i = 0; i < users.length; i += MAX_USERS_PER_BATCH)
    chunks.push(users.slice(i, i + MAX_USERS_PER_BATCH));
  const ids: string[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const key =
      idempotencyKey === undefined ? undefined : `${idempotencyKey}-${i + 1}`;
    const created = await deps.batches.create(
      {
        caller: CALLER,
        users: chunk,
        message,
        expiresInMs: undefined,
        idempotencyKey: key,
      },
      deps.log,
    );
    ids.push(created.id);
    deps.err(
      `batch ${created.id}: ${plural(created.users, 'user')}${created.replayed ? ` (made by an earlier run with the key ${key}: nothing is sent twice)` : ''}\n`,
    );
  }
  const bar = createProgress({
    total: users.length,
    unit: 'users',
    // Away from a terminal, a line per tenth done.
    every: Math.max(1, Math.ceil(users.length / 10)),
    write: deps.err,
    isTTY: deps.isTTY,
  });
  const stallMs = deps.stallMs ?? 30_000;
  let statuses: BatchStatus[];
  let done = -1;
  let movedAt = now();
  let warned = false;
  for (;;) {
    statuses = await Promise.all(
      ids.map(async id => {
        const status = await deps.batches.status(id, deps.log);
        if (!status) throw new Error(`batch ${id} is gone`);
        return status;
      }),
    );
    const finished = statuses.reduce((n, s) => n + finishedOf(s), 0);
    if (finished !== done) movedAt = now();
    done = finished;
    bar.update(finished);
    if (statuses.every(s => s.status === 'done')) break;
    if (!warned && now() - movedAt > stallMs) {
      warned = true;
      bar.note(
        `No user finished in ${Math.round(stallMs / 1000)} s: is deliverNotification running, and its Pub/Sub subscription pushing to it? (npm start runs both.) Still following; Ctrl+C stops following, not the batches.`,
      );
    }
    await sleep(deps.pollMs ?? 500);
  }
  bar.done();
  deps.out(
    `${JSON.stringify(statuses.length === 1 ? statuses[0] : statuses, null, 2)}\n`,
  );
  const total = (field: keyof BatchStatus) =>
    statuses.reduce((n, s) => n + (s[field] as number), 0);
  const missed = total('failed') + total('removed') + total('unknown_users');
  if (missed === 0) return 0;
  deps.err(
    `${missed} of ${users.length} users were not reached: ${total('failed')} failed, ${total('removed')} had only dead tokens (removed), ${total('unknown_users')} unknown. Each user's outcome is in notification_batches/{batch}/recipients/{user}.\n`,
  );
  return 1;
}
