/**
 * The importer racing the API for one user: while a re-import (and, with `--reconcile`,
 * the rebuild of the user's devices) runs, two lanes of requests add and remove that
 * user's devices as fast as the API answers, in an order a seed decides. Laravel changed
 * too (three devices added, one deleted). Afterwards every request's outcome stands: no
 * device the API added is lost, none it removed is back, Laravel's changes came over, and
 * the user's `devices` map names exactly its token documents (no ghost entry).
 */
import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {ImportReport} from '../../../tools/import-laravel/report';
import {
  basic,
  PREFIX,
  startDeviceStack,
  violations,
  type Backend,
  type DeviceStack,
} from '../../support/device-stack';
import {
  MARIADB_PASSWORD,
  startMariaDb,
  type RunningMariaDb,
} from '../../support/mariadb';
import {describeWithMariaDb} from './describe-with-mariadb';
import {runImporter, startImporter} from './run-command';

/** bcrypt $2y$10$ of "alice-password", as in the fixtures. */
const HASH = '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG';
const SEEDS = [1, 2, 3];
const MODES = [[], ['--reconcile']];
/** Devices one lane keeps at most, so that the user stays under the maximum (no eviction). */
const LANE_DEVICES = 4;
const REPORTS = mkdtempSync(path.join(os.tmpdir(), 'import-race-'));

/** A small deterministic generator (mulberry32), so that a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const schema = () => {
  const text = readFileSync(path.join(__dirname, 'fixtures.sql'), 'utf8');
  return text.slice(0, text.indexOf('INSERT INTO'));
};

type Outcome = 'added' | 'removed';

/**
 * Two lanes of API requests for `user`, in the order `seed` decides, until `running()`
 * turns false (and at least a few each). Returns each token's last outcome through the
 * API, and every request's status line.
 */
async function lanes(
  stack: DeviceStack,
  user: string,
  seed: number,
  running: () => boolean,
): Promise<{last: Map<string, Outcome>; statuses: string[]}> {
  const auth = basic(`user${user}@example.com`, 'alice-password');
  const last = new Map<string, Outcome>();
  const statuses: string[] = [];
  const send = async (method: string, token: string, outcome: Outcome) => {
    const reply = await stack.send(
      method,
      `/api/users/${user}/fcm_registration_tokens`,
      {auth, body: {registration_id: token}},
    );
    statuses.push(`${method} ${token}: ${reply.status}`);
    if ([200, 201, 204].includes(reply.status)) last.set(token, outcome);
  };
  const post = (token: string) => send('POST', token, 'added');
  const remove = (token: string) => send('DELETE', token, 'removed');
  const lane = async (n: number) => {
    const next = random(seed * 10 + n);
    const mine: string[] = [];
    // Tokens the import changes too: lane 0 has Laravel's deleted one and a new one.
    const contested =
      n === 0
        ? [`${user}-laravel-4`, `${user}-laravel-new-1`]
        : [`${user}-laravel-new-2`, `${user}-laravel-new-3`];
    // Each lane also signs one of the first import's devices out, once.
    let imported: string | null = `${user}-laravel-${n + 1}`;
    for (let k = 0; running() || k < 4; k++) {
      const roll = next();
      if (imported !== null && roll < 0.1) {
        await remove(imported);
        imported = null;
      } else if (roll < 0.35) {
        // Removed only once added here: a DELETE of a token the user does not have yet
        // (the import may not have brought it) is a no-op, not a removal.
        const token = contested[Math.floor(next() * contested.length)]!;
        await (last.get(token) === 'added' ? remove : post)(token);
      } else if (mine.length < LANE_DEVICES && roll < 0.7) {
        const token = `${user}-api-${n}-${k}`;
        mine.push(token);
        await post(token);
      } else if (mine.length > 0) {
        const [token] = mine.splice(Math.floor(next() * mine.length), 1);
        await remove(token!);
      }
      await new Promise(resolve => setTimeout(resolve, next() * 20));
    }
  };
  await Promise.all([lane(0), lane(1)]);
  return {last, statuses};
}

/**
 * What must be left: Laravel's devices unless the API removed them; Laravel's deleted one
 * and the API's own only if the API added them last.
 */
function expectedTokens(user: string, last: Map<string, Outcome>): string[] {
  const expected = [1, 2, 3, 'new-1', 'new-2', 'new-3']
    .map(n => `${user}-laravel-${n}`)
    .filter(t => last.get(t) !== 'removed');
  for (const [token, outcome] of last)
    if (outcome === 'added' && !expected.includes(token)) expected.push(token);
  return expected.sort();
}

export function describeImportRace(backend: Backend): void {
  describeWithMariaDb(
    `the importer racing the API (${backend} backend)`,
    () => {
      let maria: RunningMariaDb;
      let stack: DeviceStack;
      let env: Record<string, string>;
      const cases = MODES.flatMap(mode => SEEDS.map(seed => ({mode, seed})));
      const userOf = (i: number) => String(101 + i);

      beforeAll(async () => {
        [maria, stack] = await Promise.all([
          startMariaDb(),
          startDeviceStack({DEVICE_GROUPS: backend}),
        ]);
        await maria.sql('CREATE DATABASE laravel');
        await maria.sql(schema(), 'laravel');
        const users = cases.map((_, i) => userOf(i));
        await maria.sql(
          `INSERT INTO users (id, name, email, password, created_at, updated_at) VALUES ${users
            .map(
              id =>
                `(${id}, 'User ${id}', 'user${id}@example.com', '${HASH}', '2024-01-01 00:00:00', '2024-01-01 00:00:00')`,
            )
            .join(',')};
         INSERT INTO fcm_registration_tokens (user_id, registration_id, created_at, updated_at) VALUES ${users
           .flatMap(id =>
             [1, 2, 3, 4].map(
               n =>
                 `(${id}, '${id}-laravel-${n}', '2024-01-0${n} 00:00:00', '2024-02-0${n} 00:00:00')`,
             ),
           )
           .join(',')};`,
          'laravel',
        );
        env = {
          LARAVEL_DB_PASSWORD: MARIADB_PASSWORD,
          GOOGLE_CLOUD_PROJECT: stack.projectId,
          FCM_SENDER_ID: stack.senderId,
          DEVICE_GROUP_PREFIX: PREFIX,
          DEVICE_GROUPS: backend,
        };
        const first = await runImporter(
          ['--mysql', maria.url('laravel', false), '--report', '/dev/null'],
          env,
        );
        expect(first).toMatchObject({
          code: 0,
          stdout: expect.stringMatching(/^Laravel import completed\n/),
        });
      });
      afterAll(async () => {
        await Promise.all([stack?.close(), maria?.stop()]);
      });

      it.each(cases.map((c, i) => [c.mode.join(' ') || 'import', c.seed, i]))(
        '%s, seed %i: every request stands, and the devices map names exactly the token documents',
        async (_, seed, i) => {
          const {mode} = cases[i as number]!;
          const user = userOf(i as number);
          // Laravel meanwhile: three devices added, one deleted.
          await maria.sql(
            `INSERT INTO fcm_registration_tokens (user_id, registration_id, created_at, updated_at) VALUES
             (${user}, '${user}-laravel-new-1', '2024-03-01 00:00:00', '2024-03-01 00:00:00'),
             (${user}, '${user}-laravel-new-2', '2024-03-02 00:00:00', '2024-03-02 00:00:00'),
             (${user}, '${user}-laravel-new-3', '2024-03-03 00:00:00', '2024-03-03 00:00:00');
           DELETE FROM fcm_registration_tokens WHERE registration_id = '${user}-laravel-4';`,
            'laravel',
          );
          const report = path.join(REPORTS, `${user}.json`);
          const importer = startImporter(
            [
              '--mysql',
              maria.url('laravel', false),
              '--report',
              report,
              ...mode,
            ],
            env,
          );
          let importing = true;
          void importer.done.then(() => (importing = false));
          // The requests start as the importer starts its work, so that they meet its reads.
          await importer.waitFor(/^Importing from /m);
          const {last, statuses} = await lanes(
            stack,
            user,
            Number(seed),
            () => importing,
          );
          // A failed import shows its report in the diff, whose last line names the cause.
          expect(await importer.done).toMatchObject({
            code: 0,
            stdout: expect.stringMatching(/^Laravel import completed\n/),
          });
          expect(statuses.filter(s => !/: 20[014]$/.test(s))).toEqual([]);

          const state = await stack.snapshot();
          expect(state.tokens[user]).toEqual(expectedTokens(user, last));
          expect(state.devices).toEqual(state.tokens);
          if (mode.includes('--reconcile'))
            expect(
              violations(state, 20, backend).filter(v =>
                v.includes(`user ${user}:`),
              ),
            ).toEqual([]);
          // How much the two met: retried transactions mean the API wrote the user meanwhile.
          const {counts} = JSON.parse(
            readFileSync(report, 'utf8'),
          ) as ImportReport;
          process.stdout.write(
            `race ${backend} ${mode.join(' ') || 'import'} seed ${seed}: ${statuses.length} requests, ` +
              `${counts.transactionRetries} user transactions retried\n`,
          );
        },
      );
    },
  );
}
