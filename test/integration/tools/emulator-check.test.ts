/**
 * Every command, run as a person runs it, with an emulator variable left over from an earlier
 * session (the port answers nothing): it fails within seconds with one sentence naming the
 * variable and what to do, instead of a gRPC stack trace after most of a minute.
 */
import {
  buildOnce,
  cleanEnv,
  freePortBlock,
  isListening,
  npmRun,
} from './stack-process';

jest.setTimeout(120_000);

beforeAll(() => buildOnce());

/** The sentence of the shared check, for a variable naming a port where nothing listens. */
function sentence(variable: string, port: number, advice: string): string {
  const what =
    variable === 'FCM_EMULATOR_HOST' ? 'FCM emulator' : 'Firestore emulator';
  return `The ${what} that ${variable}=127.0.0.1:${port} names does not answer (connection refused): ${advice}.\n`;
}

const startTheStack = (variable: string) =>
  `start the local stack with \`npm start\` in another terminal, or point ${variable} at a running emulator`;

describe('a stale emulator variable', () => {
  let dead: number;
  beforeAll(async () => {
    dead = await freePortBlock();
  });

  it('makes FIRESTORE_EMULATOR_HOST=127.0.0.1:PORT npm start fail within 20 s, naming the variable', async () => {
    const port = await freePortBlock();
    const run = await npmRun(
      ['start'],
      cleanEnv({
        PORT: String(port),
        FIRESTORE_EMULATOR_HOST: `127.0.0.1:${dead}`,
      }),
    );
    console.log(
      `npm start with a stale FIRESTORE_EMULATOR_HOST failed after ${run.ms} ms`,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `npm start failed: ${sentence('FIRESTORE_EMULATOR_HOST', dead, 'start that emulator, or unset FIRESTORE_EMULATOR_HOST and `npm start` runs its own')}`,
    );
    expect(run.ms).toBeLessThan(20_000);
    for (const p of [port, port + 1, port + 2, port + 3])
      expect(await isListening(p)).toBe(false);
  });

  it('makes npm start name both variables when both emulators are gone', async () => {
    const port = await freePortBlock();
    const run = await npmRun(
      ['start'],
      cleanEnv({
        PORT: String(port),
        FIRESTORE_EMULATOR_HOST: `127.0.0.1:${dead}`,
        FCM_EMULATOR_HOST: `127.0.0.1:${dead + 1}`,
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `npm start failed: ${sentence('FIRESTORE_EMULATOR_HOST', dead, 'start that emulator, or unset FIRESTORE_EMULATOR_HOST and `npm start` runs its own').trimEnd()}\n` +
        sentence(
          'FCM_EMULATOR_HOST',
          dead + 1,
          'start that emulator, or unset FCM_EMULATOR_HOST and `npm start` runs its own',
        ),
    );
  });

  it('refuses a value that is not HOST:PORT, saying so', async () => {
    const run = await npmRun(
      ['run', 'notify', '--', '--user', '1', '--title', 'hi'],
      cleanEnv({FIRESTORE_EMULATOR_HOST: 'localhost'}),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'FIRESTORE_EMULATOR_HOST must be HOST:PORT (like 127.0.0.1:40021), got "localhost": fix it, or unset it.\n',
    );
  });

  const commands: Array<{
    name: string;
    args: string[];
    env: (port: number) => Record<string, string>;
    variables: string[];
    stdin?: string;
  }> = [
    {
      name: 'npm run user -- create',
      args: [
        'run',
        'user',
        '--',
        'create',
        '--id',
        '2',
        '--email',
        'a@b.c',
        '--password-stdin',
      ],
      env: port => ({FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`}),
      variables: ['FIRESTORE_EMULATOR_HOST'],
      stdin: 'long enough\n',
    },
    {
      name: 'npm run notify',
      args: ['run', 'notify', '--', '--user', '1', '--title', 'hi'],
      env: port => ({
        FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`,
        FCM_EMULATOR_HOST: `127.0.0.1:${port + 1}`,
      }),
      variables: ['FIRESTORE_EMULATOR_HOST', 'FCM_EMULATOR_HOST'],
    },
    {
      name: 'npm run import-laravel',
      args: [
        'run',
        'import-laravel',
        '--',
        '--mysql',
        'mysql://importer@127.0.0.1:1/laravel',
      ],
      env: port => ({
        LARAVEL_DB_PASSWORD: 'secret',
        DEVICE_GROUPS: 'fcm',
        FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`,
        FCM_EMULATOR_HOST: `127.0.0.1:${port + 1}`,
      }),
      variables: ['FIRESTORE_EMULATOR_HOST', 'FCM_EMULATOR_HOST'],
    },
    {
      name: 'npm run retire-device-groups',
      args: ['run', 'retire-device-groups'],
      env: port => ({
        DEVICE_GROUPS: 'firestore',
        FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`,
        FCM_EMULATOR_HOST: `127.0.0.1:${port + 1}`,
      }),
      variables: ['FIRESTORE_EMULATOR_HOST', 'FCM_EMULATOR_HOST'],
    },
  ];

  it.each(commands)(
    'makes $name fail within seconds with one sentence per variable',
    async ({args, env, variables, stdin}) => {
      const run = await npmRun(args, cleanEnv(env(dead)), stdin);
      console.log(`${args.join(' ')} failed after ${run.ms} ms`);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        variables
          .map((v, i) => sentence(v, dead + i, startTheStack(v)))
          .join(''),
      );
      expect(run.stdout).toBe('');
      expect(run.ms).toBeLessThan(20_000);
    },
  );
});
