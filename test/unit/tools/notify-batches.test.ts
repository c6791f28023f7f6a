/**
 * `npm run notify -- --users`: the user list, the split into batches of 1000, the keys of
 * a run with --idempotency-key, what it prints while following the batches, and its exit
 * status. The batches are a fake of our own NotifyBatches interface; the real ones are
 * tested against the emulators (test/integration/notify/batch*, tools/notify-users-cli).
 */
import type {BatchStatus, NewBatch} from '../../../shared/notify/batch';
import {createLogger} from '../../../shared/platform/logger';
import {sendToMany, CALLER} from '../../../tools/notify/batches';
import {usersFromFile} from '../../../tools/notify/users';

const message = {notification: {title: 'Hi'}};

describe('--users-file', () => {
  it('reads one id per line, blank lines and CRLF included', () => {
    expect(usersFromFile('1\r\n2\n\n  3  \n', 'ids.txt')).toEqual({
      kind: 'ok',
      users: ['1', '2', '3'],
    });
  });

  it('names the lines at fault, five at most', () => {
    expect(usersFromFile('a/b\n1\n1\n', 'ids.txt')).toEqual({
      kind: 'invalid',
      problems: [
        'ids.txt: line 1 is not a user id: "a/b"',
        'ids.txt: user 1 is named twice (line 2 and line 3)',
      ],
    });
    const bad = usersFromFile(
      Array.from({length: 8}, (_, i) => `x/${i}`).join('\n'),
      'ids.txt',
    );
    expect(bad.kind === 'invalid' && bad.problems.slice(4)).toEqual([
      'ids.txt: line 5 is not a user id: "x/4"',
      '… and 3 more problems in ids.txt',
    ]);
    expect(usersFromFile('\n\n', 'empty.txt')).toEqual({
      kind: 'invalid',
      problems: ['empty.txt names no user'],
    });
  });
});

/** Batches that finish a user per status read, each user ending as `outcomeOf` says. */
function fakeBatches(outcomeOf: (user: string) => keyof BatchStatus) {
  const made: Array<NewBatch & {id: string}> = [];
  const reads = new Map<string, number>();
  return {
    made,
    async create(batch: NewBatch) {
      const id = `b${made.length + 1}`;
      made.push({...batch, id});
      return {id, users: batch.users.length, replayed: false};
    },
    async status(id: string): Promise<BatchStatus | null> {
      const batch = made.find(b => b.id === id);
      if (!batch) return null;
      const finished = Math.min(batch.users.length, (reads.get(id) ?? 0) + 400);
      reads.set(id, finished);
      const counts = {
        sent: 0,
        failed: 0,
        removed: 0,
        no_devices: 0,
        unknown_users: 0,
      };
      for (const user of batch.users.slice(0, finished))
        (counts[outcomeOf(user) as keyof typeof counts] as number)++;
      return {
        id,
        status: finished === batch.users.length ? 'done' : 'sending',
        users: batch.users.length,
        ...counts,
        created_at: '2026-12-07T10:00:00.000Z',
        finished_at:
          finished === batch.users.length ? '2026-12-07T10:00:05.000Z' : null,
      };
    },
  };
}

async function run(
  users: string[],
  outcomeOf: (user: string) => keyof BatchStatus,
  key?: string,
) {
  const batches = fakeBatches(outcomeOf);
  let out = '';
  let err = '';
  const code = await sendToMany(users, message, key, {
    batches,
    log: createLogger('ERROR', () => undefined),
    out: text => (out += text),
    err: text => (err += text),
    isTTY: false,
    sleep: async () => undefined,
  });
  return {code, out, err, made: batches.made};
}

const ids = (n: number) => Array.from({length: n}, (_, i) => String(i + 1));

describe('npm run notify -- --users', () => {
  it('splits 2500 users into batches of 1000, keyed KEY-1, KEY-2, KEY-3, and exits 0 when every user was sent to or has no devices', async () => {
    const {code, out, err, made} = await run(
      ids(2500),
      user => (user === '7' ? 'no_devices' : 'sent'),
      'launch',
    );
    expect(code).toBe(0);
    expect(made.map(b => [b.users.length, b.idempotencyKey, b.caller])).toEqual(
      [
        [1000, 'launch-1', CALLER],
        [1000, 'launch-2', CALLER],
        [500, 'launch-3', CALLER],
      ],
    );
    expect(made[2]!.users[0]).toBe('2001');
    const statuses = JSON.parse(out) as BatchStatus[];
    expect(statuses.map(s => [s.id, s.status, s.sent, s.no_devices])).toEqual([
      ['b1', 'done', 999, 1],
      ['b2', 'done', 1000, 0],
      ['b3', 'done', 500, 0],
    ]);
    // Away from a terminal: the batches, then a line per tenth done (every 250 users).
    expect(err.split('\n').slice(0, 4)).toEqual([
      'batch b1: 1000 users',
      'batch b2: 1000 users',
      'batch b3: 500 users',
      '1200 users',
    ]);
    expect(err.trimEnd().split('\n').at(-1)).toBe('2500 users');
  });

  it('prints one batch as an object, and exits 1 naming who was not reached', async () => {
    const {code, out, err} = await run(ids(3), user =>
      user === '1' ? 'sent' : user === '2' ? 'failed' : 'unknown_users',
    );
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual({
      id: 'b1',
      status: 'done',
      users: 3,
      sent: 1,
      failed: 1,
      removed: 0,
      no_devices: 0,
      unknown_users: 1,
      created_at: '2026-12-07T10:00:00.000Z',
      finished_at: '2026-12-07T10:00:05.000Z',
    });
    expect(err).toContain(
      '2 of 3 users were not reached: 1 failed, 0 had only dead tokens (removed), 1 unknown.',
    );
  });
});
