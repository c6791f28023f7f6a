import {
  locateFirestoreEmulator,
  type ExecResult,
  type LocateDeps,
} from '../../../tools/firestore-emulator/locate';

const SDK = '/opt/sdk';
const LAUNCHER = `${SDK}/platform/cloud-firestore-emulator/cloud_firestore_emulator`;

const ok = (stdout = ''): ExecResult => ({status: 0, stdout, stderr: ''});
const failed = (status: number, stderr: string): ExecResult => ({
  status,
  stdout: '',
  stderr,
});
const notFound = (): ExecResult => ({
  status: null,
  stdout: '',
  stderr: '',
  error: Object.assign(new Error('spawnSync ENOENT'), {code: 'ENOENT'}),
});

interface Machine {
  gcloud?: ExecResult;
  java?: ExecResult;
  executables?: string[];
  /** Where the gcloud on PATH really is (symlinks resolved). */
  gcloudPath?: string;
}

function fakeDeps(machine: Machine): LocateDeps & {calls: string[]} {
  const calls: string[] = [];
  return {
    calls,
    exec(file, args) {
      calls.push([file, ...args].join(' '));
      if (file === 'gcloud') return machine.gcloud ?? notFound();
      if (file.endsWith('java')) return machine.java ?? notFound();
      return notFound();
    },
    isExecutable: file => (machine.executables ?? []).includes(file),
    realPathOnPath: file =>
      file === 'gcloud' ? machine.gcloudPath : undefined,
  };
}

const healthy: Machine = {
  gcloud: ok(`${SDK}\n`),
  java: ok(),
  executables: [LAUNCHER],
};

describe('locateFirestoreEmulator', () => {
  interface Case {
    name: string;
    env?: Record<string, string>;
    machine: Machine;
    /** The location found, or a pattern the `missing` reason must match. */
    expected: {command: string} | RegExp;
  }
  const cases: Case[] = [
    {
      name: 'finds the launcher under the SDK root gcloud reports',
      machine: healthy,
      expected: {command: LAUNCHER},
    },
    {
      name: 'prefers FIRESTORE_EMULATOR_BIN over gcloud',
      env: {FIRESTORE_EMULATOR_BIN: '/x/emu'},
      machine: {executables: ['/x/emu']},
      expected: {command: '/x/emu'},
    },
    {
      name: 'ignores a blank FIRESTORE_EMULATOR_BIN',
      env: {FIRESTORE_EMULATOR_BIN: '  '},
      machine: healthy,
      expected: {command: LAUNCHER},
    },
    {
      name: 'reports a FIRESTORE_EMULATOR_BIN that is not executable',
      env: {FIRESTORE_EMULATOR_BIN: '/x/emu'},
      machine: healthy,
      expected: /FIRESTORE_EMULATOR_BIN=\/x\/emu is not an executable/,
    },
    {
      name: 'reports gcloud missing from PATH',
      machine: {...healthy, gcloud: notFound()},
      expected: /gcloud\) is not on PATH.*FIRESTORE_EMULATOR_BIN/,
    },
    {
      name: 'reports a failing gcloud with its last error line',
      machine: {...healthy, gcloud: failed(1, 'warn\nERROR: broken config')},
      expected: /`gcloud info` failed \(ERROR: broken config\)/,
    },
    {
      name: 'reports an empty SDK root',
      machine: {...healthy, gcloud: ok('\n')},
      expected: /did not report an SDK root/,
    },
    {
      name: 'reports an SDK without the emulator component',
      machine: {...healthy, executables: []},
      expected:
        /at \/opt\/sdk has no Firestore emulator.*gcloud components install cloud-firestore-emulator/,
    },
    {
      name: 'reports a missing Java',
      machine: {...healthy, java: notFound()},
      expected: /runs on Java, but `java` is unusable \(not found\)/,
    },
    {
      name: 'checks the Java named by $JAVA',
      env: {JAVA: '/jdk/bin/java'},
      machine: {...healthy, java: failed(1, '')},
      expected: /`\/jdk\/bin\/java` is unusable \(exit status 1\)/,
    },
  ];

  it.each(cases)('$name', ({env = {}, machine, expected}) => {
    const result = locateFirestoreEmulator(env, fakeDeps(machine));
    if (expected instanceof RegExp) {
      expect(result).toEqual({missing: expect.stringMatching(expected)});
    } else {
      expect(result).toEqual(expected);
    }
  });

  it('does not run gcloud when FIRESTORE_EMULATOR_BIN is set', () => {
    const deps = fakeDeps({executables: ['/x/emu']});
    locateFirestoreEmulator({FIRESTORE_EMULATOR_BIN: '/x/emu'}, deps);
    expect(deps.calls).toEqual([]);
  });

  it('takes the SDK root from where gcloud lives, without running it, when the launcher is there', () => {
    const deps = fakeDeps({...healthy, gcloudPath: `${SDK}/bin/gcloud`});
    expect(locateFirestoreEmulator({}, deps)).toEqual({command: LAUNCHER});
    expect(deps.calls).toEqual(['java -version']);
  });

  it.each([
    ['a gcloud outside an SDK bin folder', '/usr/local/gcloud'],
    ['an SDK without the launcher', '/other/sdk/bin/gcloud'],
  ])('asks gcloud info for %s', (_, gcloudPath) => {
    const deps = fakeDeps({...healthy, gcloudPath});
    expect(locateFirestoreEmulator({}, deps)).toEqual({command: LAUNCHER});
    expect(deps.calls[0]).toBe(
      'gcloud info --format=value(installation.sdk_root)',
    );
  });

  it('asks gcloud only for the SDK root', () => {
    const deps = fakeDeps(healthy);
    locateFirestoreEmulator({}, deps);
    expect(deps.calls).toEqual([
      'gcloud info --format=value(installation.sdk_root)',
      'java -version',
    ]);
  });
});
