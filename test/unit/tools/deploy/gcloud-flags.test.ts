/**
 * Every gcloud command deploy.sh runs, prints or tells the operator to run uses only flags
 * that the installed CLI documents for that command (`gcloud <command> --help`). The
 * commands come from deploy.sh itself: a dry run's output, the calls the fake gcloud saw in
 * a dry and a real run, --check's fixes and --print-iam-setup. Each command's help is read
 * once, from the real gcloud, and kept per gcloud version in the temporary folder.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ALL_APIS,
  READY,
  buildOnce,
  deploy,
  fakeCli,
  type FakeCli,
} from './fake-cli';

const version = spawnSync('gcloud', ['--version'], {encoding: 'utf8'});
const gcloud = version.status === 0;
if (!gcloud)
  process.stderr.write(
    '[SKIPPED: gcloud is not installed] deploy.sh uses only flags that gcloud documents\n',
  );

/** Splits lines of shell input into words, as bash would (deploy.sh prints with %q). */
function shellWords(lines: string[]): string[][] {
  const result = spawnSync(
    'bash',
    [
      '-c',
      'while IFS= read -r line; do eval "set -- $line"; printf "%s\\x1f" "$@"; printf "\\n"; done',
    ],
    {input: lines.join('\n') + '\n', encoding: 'utf8'},
  );
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map(l => l.split('\x1f').slice(0, -1));
}

interface Help {
  /** The command's words after `gcloud`, e.g. ['functions', 'deploy']. */
  command: string[];
  flags: Set<string>;
}

const cacheDir = path.join(
  os.tmpdir(),
  `gcloud-help-${createHash('sha256')
    .update(version.stdout ?? '')
    .digest('hex')
    .slice(0, 12)}`,
);
const helps: Help[] = [];

/** The help of the command `words` starts with (words: the non-flag words after gcloud). */
function helpFor(words: string[]): Help {
  const known = helps.find(h => h.command.every((w, i) => words[i] === w));
  if (known) return known;
  const file = path.join(cacheDir, `${words.join('_')}.txt`);
  let text: string;
  if (existsSync(file)) {
    text = readFileSync(file, 'utf8');
  } else {
    const run = spawnSync('gcloud', [...words, '--help'], {
      encoding: 'utf8',
      env: {...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1'},
    });
    if (run.status !== 0)
      throw new Error(`gcloud ${words.join(' ')} --help failed: ${run.stderr}`);
    // eslint-disable-next-line no-control-regex
    text = run.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    mkdirSync(cacheDir, {recursive: true});
    writeFileSync(file, text);
  }
  const help = parseHelp(text);
  helps.push(help);
  return help;
}

/** The command named under NAME, and the flags its sections define. */
function parseHelp(text: string): Help {
  const name = /^NAME\n([\s\S]*?)\n\n/m.exec(text)![1]!.replace(/\s+/g, ' ');
  const command = name.trim().split(' - ')[0]!.split(' ').slice(1);
  const flags = new Set<string>();
  let section = '';
  for (const line of text.split('\n')) {
    if (/^[A-Z][A-Z ]+$/.test(line)) {
      section = line;
      continue;
    }
    if (section === 'GCLOUD WIDE FLAGS') {
      for (const m of line.matchAll(/--[a-z0-9-]+/g)) flags.add(m[0]);
    } else if (/FLAGS$|^POSITIONAL ARGUMENTS$/.test(section)) {
      // A definition: the flag first on its line.
      const m = /^\s+--(\[no-\])?([a-z0-9-]+)/.exec(line);
      if (m) {
        flags.add(`--${m[2]}`);
        if (m[1]) flags.add(`--no-${m[2]}`);
      }
    }
  }
  return {command, flags};
}

(gcloud ? describe : describe.skip)(
  `deploy.sh's gcloud commands${gcloud ? '' : ' [SKIPPED: gcloud is not installed]'}`,
  () => {
    let cli: FakeCli;
    beforeAll(buildOnce, 300_000);
    beforeEach(() => {
      cli = fakeCli();
    });
    afterEach(() => cli.remove());

    it('use only flags that `gcloud <command> --help` documents', () => {
      const flags = [
        '--project=my-proj-1',
        '--region=europe-west1',
        '--device-groups=fcm',
        '--fcm-sender-id=123456789012',
        '--notify-callers=orders@my-proj-1.iam.gserviceaccount.com',
      ];
      const commands: string[][] = [];
      // A dry run (with an API to enable), and the calls of its reads.
      cli.setState({
        ...READY,
        enabledApis: ALL_APIS.filter(a => a !== 'fcm.googleapis.com'),
      });
      const dryRun = deploy(['--dry-run', ...flags], cli);
      expect(dryRun.status).toBe(0);
      commands.push(...shellWords(dryRun.commands));
      // A real run: every call it made.
      const real = deploy(flags, cli);
      expect(real.status).toBe(0);
      commands.push(...cli.calls());
      // What --check tells the operator to run, and --print-iam-setup's commands.
      cli.setState({
        ...READY,
        enabledApis: [],
        database: '',
        adc: false,
      });
      const check = deploy(['--check', ...flags], cli);
      commands.push(
        ...shellWords(
          check.stdout
            .split('\n')
            .map(l => /^\s+fix: (gcloud .*)$/.exec(l)?.[1])
            .filter((l): l is string => l !== undefined),
        ),
      );
      for (const backend of ['fcm', 'firestore']) {
        const setup = deploy([
          '--print-iam-setup',
          '--project=my-proj-1',
          `--device-groups=${backend}`,
        ]);
        commands.push(
          ...shellWords(
            setup.stdout
              .split('\n')
              .map(l => l.replace(/^# (?=gcloud )/, ''))
              .filter(l => l.startsWith('gcloud ')),
          ),
        );
      }

      const gcloudCommands = commands.filter(c => c[0] === 'gcloud');
      const seen = new Set<string>();
      const undocumented: string[] = [];
      for (const [, ...args] of gcloudCommands) {
        const key = args.join(' ');
        if (seen.has(key)) continue;
        seen.add(key);
        const help = helpFor(args.filter(a => !a.startsWith('--')));
        for (const arg of args.filter(a => a.startsWith('--'))) {
          const flag = arg.split('=')[0]!;
          if (!help.flags.has(flag))
            undocumented.push(
              `gcloud ${help.command.join(' ')}: ${flag} (in: gcloud ${key})`,
            );
        }
      }
      // Every kind of command was looked at: reads, changes, fixes, IAM setup.
      expect(helps.map(h => h.command.join(' ')).sort()).toEqual(
        expect.arrayContaining([
          'auth application-default print-access-token',
          'auth list',
          'firestore databases create',
          'firestore databases describe',
          'firestore fields ttls update',
          'firestore indexes composite create',
          'firestore indexes fields update',
          'functions add-invoker-policy-binding',
          'functions deploy',
          'eventarc triggers describe',
          'functions describe',
          'iam service-accounts add-iam-policy-binding',
          'iam service-accounts create',
          'iam service-accounts describe',
          'projects add-iam-policy-binding',
          'projects describe',
          'projects remove-iam-policy-binding',
          'pubsub subscriptions add-iam-policy-binding',
          'pubsub subscriptions update',
          'pubsub topics add-iam-policy-binding',
          'pubsub topics create',
          'pubsub topics describe',
          'services enable',
          'services list',
        ]),
      );
      expect(undocumented).toEqual([]);
    }, 300_000);

    it('the check itself notices an undocumented flag (describe --gen2, which deploy.sh used to pass)', () => {
      const help = helpFor(['functions', 'describe', 'cron']);
      expect(help.command).toEqual(['functions', 'describe']);
      expect(help.flags.has('--v2')).toBe(true);
      expect(help.flags.has('--region')).toBe(true);
      expect(help.flags.has('--gen2')).toBe(false);
    }, 120_000);
  },
);
