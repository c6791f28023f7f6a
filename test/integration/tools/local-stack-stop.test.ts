/**
 * Stopping `npm start -- --persist DIR` the way a terminal does it: Ctrl+C sends SIGINT to
 * the whole foreground process group (npm and node both get it, and npm forwards its copy
 * to node). Each stop leaves no process and no port behind, and saves the data, Firestore's
 * and the FCM emulator's groups alike; a second Ctrl+C during the save cuts it short and
 * says so, and the previous save is kept.
 */
import fs from 'node:fs';
import {basic} from '../../support/device-stack';
import {describeWithFirestore} from '../../support/emulators';
import {
  buildOnce,
  cleanEnv,
  cleanUpAfterAll,
  commandLine,
  firestoreJvm,
  freePortBlock,
  isListening,
  sleep,
  startStack,
  survivors,
  type Running,
} from './stack-process';

jest.setTimeout(300_000);

const demo = basic('support@thinkbitsolutions.com', 's3cRe+');

const leftovers = cleanUpAfterAll();

beforeAll(() => buildOnce());

/** Starts the stack in a process group of its own; returns it and every pid it runs. */
async function start(
  port: number,
  dir: string,
): Promise<{stack: Running; pids: number[]}> {
  const stack = await startStack(
    cleanEnv({PORT: String(port)}),
    ['--persist', dir],
    {ownGroup: true},
  );
  return {stack, pids: leftovers.track(stack)};
}

/** What a terminal does on Ctrl+C: SIGINT to every process of the foreground group. */
function ctrlC(stack: Running): void {
  process.kill(-stack.child.pid!, 'SIGINT');
}

function register(port: number, token: string): Promise<number> {
  return fetch(`http://localhost:${port}/api/users/1/fcm_registration_tokens`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Authorization: demo},
    body: JSON.stringify({registration_id: token}),
  }).then(r => r.status);
}

async function groupMembers(port: number): Promise<string[]> {
  const res = await fetch(
    `http://127.0.0.1:${port + 2}/emulator/projects/emulator/groups`,
  );
  const {groups} = (await res.json()) as {
    groups: Array<{notification_key_name: string; registration_ids: string[]}>;
  };
  return (
    groups.find(g => g.notification_key_name === 'local_users-1')
      ?.registration_ids ?? []
  );
}

async function expectNothingLeft(pids: number[], port: number): Promise<void> {
  expect(await survivors(pids)).toEqual([]);
  for (const p of [port, port + 1, port + 2, port + 3])
    expect(await isListening(p)).toBe(false);
}

describeWithFirestore('npm start: Ctrl+C in a terminal', () => {
  it('stops cleanly on SIGINT to the whole group, three times in a row, keeping every token', async () => {
    const dir = leftovers.tempDir('stack-stop-');
    const port = await freePortBlock();
    const registered: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const {stack, pids} = await start(port, dir);
      // The emulator's launcher and its JVM are part of the stack.
      expect(
        pids.filter(pid => commandLine(pid)?.includes(`--port=${port + 1}`))
          .length,
      ).toBeGreaterThanOrEqual(2);
      // Every token registered before an earlier stop is still there: 200, not 201.
      for (const token of registered)
        expect(await register(port, token)).toBe(200);
      expect(await groupMembers(port)).toEqual([...registered].sort());
      const token = `ctrl-c-round-${round}`;
      expect(await register(port, token)).toBe(201);
      registered.push(token);

      ctrlC(stack);
      const end = await stack.finished;
      expect(end.code).toBe(0);
      expect(end.stderr).toContain(
        `SIGINT: stopping… (saving the data in ${dir}; Ctrl+C again stops without saving)\n` +
          `Stopped; the data is saved in ${dir}.\n`,
      );
      // npm's copy of the same Ctrl+C is not taken for a second one.
      expect(end.stderr).not.toContain('again: stopping at once');
      await expectNothingLeft(pids, port);
    }
    expect(fs.readdirSync(dir).sort()).toEqual([
      'fcm-emulator.json',
      'firestore',
    ]);
  });

  it('cuts the save short on a second Ctrl+C, says so, and keeps the previous save', async () => {
    const dir = leftovers.tempDir('stack-stop-');
    const port = await freePortBlock();

    const first = await start(port, dir);
    expect(await register(port, 'saved-token')).toBe(201);
    ctrlC(first.stack);
    expect((await first.stack.finished).code).toBe(0);

    const second = await start(port, dir);
    expect(await register(port, 'unsaved-token')).toBe(201);
    // A frozen emulator makes the save wait, as a large export would.
    const jvm = firestoreJvm(second.pids);
    expect(jvm).toBeDefined();
    process.kill(jvm!, 'SIGSTOP');
    ctrlC(second.stack);
    await sleep(3_000); // well past the window in which a signal is a copy of the first
    ctrlC(second.stack);
    const end = await second.stack.finished;
    expect(end.code).toBe(1);
    expect(end.stderr).toContain(
      'SIGINT again: stopping at once, without finishing the save…\n' +
        `Stopped without saving: the save was cut short; ${dir} keeps the data of the previous save.\n`,
    );
    await expectNothingLeft(second.pids, port);

    const third = await start(port, dir);
    expect(await register(port, 'saved-token')).toBe(200);
    expect(await groupMembers(port)).toEqual(['saved-token']);
    expect(await register(port, 'unsaved-token')).toBe(201);
    ctrlC(third.stack);
    expect((await third.stack.finished).code).toBe(0);
    await expectNothingLeft(third.pids, port);
  });
});
