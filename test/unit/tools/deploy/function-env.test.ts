import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {
  checkEnv,
  describePlan,
  envFileProblems,
  envVarsYaml,
  mergeEnv,
  type EnvLayers,
} from '../../../../tools/deploy/function-env';
import {
  FLAG_SETTINGS,
  LOCAL_ONLY,
  appSettingNames,
  isSecretName,
} from '../../../../tools/deploy/settings';
import {ConfigError, parseConfig} from '../../../../shared/platform/config';
import {ROOT} from './fake-cli';

const layers = (over: Partial<EnvLayers>): EnvLayers => ({
  deployed: {},
  flags: {},
  defaults: {},
  ...over,
});
const file = (vars: Record<string, string>) => ({
  label: 'prod.env',
  vars: new Map(Object.entries(vars)),
});

describe('mergeEnv', () => {
  it('takes defaults < deployed < env file < flags, sorted by name', () => {
    const plan = mergeEnv(
      layers({
        defaults: {A: 'default', B: 'default', E: 'default'},
        deployed: {B: 'deployed', C: 'deployed', D: 'deployed'},
        file: file({C: 'file', D: 'file'}),
        flags: {D: 'flag'},
      }),
    );
    expect(plan).toEqual({
      entries: [
        {name: 'A', value: 'default', source: 'default'},
        {name: 'B', value: 'deployed', source: 'deployed'},
        {name: 'C', value: 'file', source: 'prod.env'},
        {name: 'D', value: 'flag', source: 'flags'},
        {name: 'E', value: 'default', source: 'default'},
      ],
      removed: [],
    });
  });

  it('NAME= in the env file removes what is deployed, and says so only when there was something', () => {
    const plan = mergeEnv(
      layers({
        deployed: {BCRYPT_COST: '12', LOG_LEVEL: 'DEBUG'},
        file: file({BCRYPT_COST: '', AUTH_REALM: ''}),
      }),
    );
    expect(plan).toEqual({
      entries: [{name: 'LOG_LEVEL', value: 'DEBUG', source: 'deployed'}],
      removed: [{name: 'BCRYPT_COST', source: 'prod.env'}],
    });
  });
});

describe('checkEnv', () => {
  it('accepts what parseConfig accepts, and returns its Config', () => {
    const checked = checkEnv(
      mergeEnv(
        layers({
          flags: {DEVICE_GROUPS: 'firestore', GOOGLE_CLOUD_PROJECT: 'p-1'},
          file: file({BCRYPT_COST: '12'}),
        }),
      ),
    );
    expect(checked.kind).toBe('ok');
    if (checked.kind === 'ok') expect(checked.config.login.bcryptCost).toBe(12);
  });

  it("refuses what parseConfig refuses, with parseConfig's own message, and local-only settings", () => {
    let message = '';
    try {
      parseConfig({
        FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080',
        DEVICE_GROUPS: 'fcm',
      });
    } catch (err) {
      message = (err as ConfigError).message;
    }
    expect(message).toContain('FCM_SENDER_ID');
    expect(
      checkEnv(
        mergeEnv(
          layers({
            deployed: {FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080'},
            flags: {DEVICE_GROUPS: 'fcm'},
          }),
        ),
      ),
    ).toEqual({
      kind: 'invalid',
      problems: [
        'FIRESTORE_EMULATOR_HOST points Firestore at a local emulator (deployed): remove it with a line "FIRESTORE_EMULATOR_HOST=" in the env file',
        message,
      ],
    });
  });
});

describe('envFileProblems', () => {
  it('allows the app settings that have no flag, and NAME= (removal) for any name', () => {
    expect(
      envFileProblems(
        'prod.env',
        new Map([
          ['BCRYPT_COST', '12'],
          ['PRUNE_TOKEN_AGE_DAYS', '90'],
          ['FCM_EMULATOR_HOST', ''],
          ['NOTIFY_SERVICE_ACCOUNTS', ''],
          ['SOMETHING_SET_BY_HAND', ''],
        ]),
      ),
    ).toEqual([]);
  });

  it('names a setting a flag owns, a local-only value and an unknown name', () => {
    expect(
      envFileProblems(
        'prod.env',
        new Map([
          ['GCLOUD_PROJECT', 'p'],
          ['NOTIFY_SERVICE_ACCOUNTS', 'a@b.iam.gserviceaccount.com'],
          ['PORT', '8080'],
          ['BCRYPT_COSTS', '12'],
        ]),
      ),
    ).toEqual([
      'prod.env: GCLOUD_PROJECT is set with deploy.sh --project, not in the env file (only GCLOUD_PROJECT= to remove it)',
      'prod.env: NOTIFY_SERVICE_ACCOUNTS is set with deploy.sh --notify-callers, not in the env file (only NOTIFY_SERVICE_ACCOUNTS= to remove it)',
      'prod.env: PORT is the local stack’s port (Cloud Run sets its own): never deployed',
      "prod.env: BCRYPT_COSTS is not a setting of this app (README's Configuration table and docs/cron.md list them)",
    ]);
  });
});

describe('settings', () => {
  /** The variable names of the first column of a markdown table after `heading`. */
  function tableNames(file: string, heading: string): string[] {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const lines = text.slice(text.indexOf(heading)).split('\n');
    const start = lines.findIndex(l => l.startsWith('|'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
    return lines
      .slice(start + 2, end)
      .flatMap(row => [...row.split('|')[1]!.matchAll(/`([A-Z_]+)`/g)])
      .map(m => m[1]!);
  }

  it("every setting of README's Configuration table and docs/cron.md has one place: the env file, a flag, or nowhere (local only)", () => {
    const documented = [
      ...tableNames('README.md', '## Configuration'),
      ...tableNames('docs/cron.md', '## Configuration'),
    ];
    expect(documented.length).toBeGreaterThan(30);
    const unplaced = documented.filter(
      name =>
        !appSettingNames().has(name) &&
        FLAG_SETTINGS[name] === undefined &&
        LOCAL_ONLY[name] === undefined,
    );
    expect(unplaced).toEqual([]);
    // The local-only ones are exactly the emulator and tool settings.
    expect(documented.filter(n => LOCAL_ONLY[n] !== undefined).sort()).toEqual([
      'FCM_EMULATOR_HOST',
      'FIRESTORE_EMULATOR_BIN',
      'FIRESTORE_EMULATOR_HOST',
      'PORT',
      'PUBSUB_EMULATOR_BIN',
      'PUBSUB_EMULATOR_HOST',
    ]);
  });

  it('the names the app reads are found by running parseConfig, both backends included', () => {
    const names = appSettingNames();
    for (const name of [
      'FCM_SENDER_ID',
      'MAX_DEVICES_PER_USER',
      'BCRYPT_COST',
      'CRON_LEASE_TTL_MS',
      'NOTIFY_RETRY_BUDGET_MS',
      'LOG_LEVEL',
    ])
      expect(names).toContain(name);
    expect(names).not.toContain('FIRESTORE_EMULATOR_HOST');
  });

  it.each([
    ['SENTRY_TOKEN', true],
    ['API_KEY', true],
    ['DB_PASSWORD', true],
    ['SECRET', true],
    ['GOOGLE_APPLICATION_CREDENTIALS', true],
    ['PRUNE_TOKEN_AGE_DAYS', false],
    ['AUTH_CACHE_TTL_MS', false],
    ['NOTIFY_SERVICE_ACCOUNTS', false],
  ])('%s is a secret name: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });
});

describe('describePlan', () => {
  it('prints each variable with its source, quoting what has spaces and masking secret names', () => {
    const plan = mergeEnv(
      layers({
        deployed: {
          LOG_EXECUTION_ID: 'true',
          X_API_KEY: 'k-123',
          AUTH_REALM: 'a b',
        },
        file: file({AUTH_REALM: 'Shop "one"', BCRYPT_COST: ''}),
        flags: {DEVICE_GROUPS: 'firestore'},
      }),
    );
    expect(describePlan(plan)).toEqual([
      '  AUTH_REALM="Shop \\"one\\""  (prod.env)',
      '  DEVICE_GROUPS=firestore  (flags)',
      '  LOG_EXECUTION_ID=****  (deployed; not read by the app, kept)',
      '  X_API_KEY=****  (deployed; not read by the app, kept)',
    ]);
  });
});

const python = spawnSync('python3', ['-c', 'import yaml']).status === 0;
if (!python)
  process.stderr.write(
    '[SKIPPED: python3 with PyYAML is not installed] the env-vars file reads back as the same strings\n',
  );
describe('envVarsYaml', () => {
  (python ? it : it.skip)(
    `reads back, with a YAML parser, as exactly the same strings${python ? '' : ' [SKIPPED: python3 with PyYAML is not installed]'}`,
    () => {
      const vars = {
        A_NUMBER: '12',
        A_BOOL: 'true',
        A_NULL: 'null',
        QUOTES: 'it\'s "quoted"',
        YAML_SYNTAX: 'a: b # c, [d] {e} *f &g !h |',
        NEWLINE: 'one\ntwo',
        UNICODE: 'Zoë ✓',
        BACKSLASH: 'C:\\path',
      };
      const plan = mergeEnv(layers({flags: vars}));
      const read = spawnSync(
        'python3',
        [
          '-c',
          'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))',
        ],
        {input: envVarsYaml(plan), encoding: 'utf8'},
      );
      expect(read.stderr).toBe('');
      expect(JSON.parse(read.stdout)).toEqual(vars);
    },
  );
});
