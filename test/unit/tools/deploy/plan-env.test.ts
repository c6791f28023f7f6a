import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {main, parsePlanArgs} from '../../../../tools/deploy/plan-env';

describe('plan-env', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'plan-env-'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  async function run(argv: string[]) {
    let out = '';
    let err = '';
    const code = await main(argv, {
      out: t => void (out += t),
      err: t => void (err += t),
    });
    return {code, out, err};
  }

  it('options after --function belong to it; --set before the first one to all', () => {
    expect(
      parsePlanArgs([
        '--out',
        dir,
        '--set',
        'A=1',
        '--function',
        'cron',
        '--entry-point',
        'cron',
        '--set',
        'B=2',
        '--function',
        'notify-user',
        '--entry-point=notifyUser',
        '--deployed',
        'n.json',
        '--default',
        'C=3',
      ]),
    ).toEqual({
      kind: 'run',
      args: {
        out: dir,
        envFile: undefined,
        common: {A: '1'},
        functions: [
          {
            name: 'cron',
            entryPoint: 'cron',
            deployedFile: undefined,
            set: {B: '2'},
            defaults: {},
          },
          {
            name: 'notify-user',
            entryPoint: 'notifyUser',
            deployedFile: 'n.json',
            set: {},
            defaults: {C: '3'},
          },
        ],
      },
    });
  });

  it('names every bad argument', () => {
    expect(
      parsePlanArgs([
        '--deployed',
        'x.json',
        '--set',
        'novalue',
        '--function',
        'f',
        'stray',
      ]),
    ).toEqual({
      kind: 'invalid',
      problems: [
        'unexpected argument "stray"',
        '--deployed must follow a --function',
        '--set must be NAME=VALUE, got "novalue"',
        '--out is required',
        '--function f needs an --entry-point',
      ],
    });
  });

  it('writes each function’s YAML from the deployed JSON and the settings, and the notes', async () => {
    const deployed = path.join(dir, 'notify-user.json');
    writeFileSync(
      deployed,
      JSON.stringify({
        name: 'projects/p/locations/r/functions/notify-user',
        serviceConfig: {environmentVariables: {LOG_LEVEL: 'DEBUG'}},
      }),
    );
    const {code, out, err} = await run([
      '--out',
      dir,
      '--set',
      'DEVICE_GROUPS=firestore',
      '--function',
      'notify-user',
      '--entry-point',
      'notifyUser',
      '--deployed',
      deployed,
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe(
      [
        '==> environment of notify-user (deployed, then flags; the later wins)',
        '  DEVICE_GROUPS=firestore  (flags)',
        '  LOG_LEVEL=DEBUG  (deployed)',
        '',
      ].join('\n'),
    );
    expect(readFileSync(path.join(dir, 'notify-user.yaml'), 'utf8')).toBe(
      'DEVICE_GROUPS: "firestore"\nLOG_LEVEL: "DEBUG"\n',
    );
    expect(readFileSync(path.join(dir, 'notes'), 'utf8')).toContain(
      '==> note: notify-user refuses every request (500): no caller is allowed.',
    );
  });
});
