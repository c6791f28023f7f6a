/**
 * `node dist/tools/deploy/plan-env.js` (deploy.sh runs it): plans, checks and writes the
 * environment of every function before anything is deployed.
 *
 *   plan-env --out DIR [--env-file FILE] [--set NAME=VALUE ...]
 *            --function NAME --entry-point ENTRY [--deployed FILE.json]
 *            [--set NAME=VALUE ...] [--default NAME=VALUE ...]   (repeat per function)
 *
 * `--set` before the first `--function` applies to every function. `--deployed` is the JSON
 * of `gcloud functions describe NAME --v2 --format=json`. It prints each function's
 * variables (secrets masked) and where each comes from, and writes DIR/NAME.yaml for
 * `gcloud functions deploy --env-vars-file`, plus DIR/notes. If any function's environment
 * is refused, it prints every problem, writes no file and exits 1 (2 for bad arguments).
 */
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {exitWith, stdio} from '../cli/exit';
import {parseFlags} from '../cli/flags';
import {answerUsage, type CommandLine} from '../cli/usage';
import {parseEnvFile} from './env-file';
import {
  checkEnv,
  describePlan,
  envFileProblems,
  envVarsYaml,
  mergeEnv,
  type EnvLayers,
} from './function-env';

interface FunctionArgs {
  name: string;
  entryPoint: string;
  deployedFile: string | undefined;
  set: Record<string, string>;
  defaults: Record<string, string>;
}

interface PlanArgs {
  out: string;
  envFile: string | undefined;
  common: Record<string, string>;
  functions: FunctionArgs[];
}

const OPTIONS = {
  out: {type: 'string'},
  'env-file': {type: 'string'},
  function: {type: 'string'},
  'entry-point': {type: 'string'},
  deployed: {type: 'string'},
  set: {type: 'string', multiple: true},
  default: {type: 'string', multiple: true},
} as const;

/** Reads the arguments in order: options after `--function` belong to that function. */
export function parsePlanArgs(argv: readonly string[]): CommandLine<PlanArgs> {
  const parsed = parseFlags(argv, OPTIONS, {positionals: false});
  if (parsed.help) return {kind: 'help'};
  const problems = [...parsed.problems];
  const args: PlanArgs = {
    out: '',
    envFile: undefined,
    common: {},
    functions: [],
  };
  let current: FunctionArgs | undefined;
  for (const {name, value} of parsed.given) {
    if (typeof value !== 'string') continue;
    switch (name as keyof typeof OPTIONS) {
      case 'out':
        args.out = value;
        break;
      case 'env-file':
        args.envFile = value;
        break;
      case 'function':
        current = {
          name: value,
          entryPoint: '',
          deployedFile: undefined,
          set: {},
          defaults: {},
        };
        args.functions.push(current);
        break;
      case 'entry-point':
      case 'deployed':
      case 'default':
        if (!current) {
          problems.push(`--${name} must follow a --function`);
        } else if (name === 'entry-point') {
          current.entryPoint = value;
        } else if (name === 'deployed') {
          current.deployedFile = value;
        } else {
          addPair(current.defaults, value, '--default', problems);
        }
        break;
      case 'set':
        addPair(current ? current.set : args.common, value, '--set', problems);
        break;
    }
  }
  if (args.out === '') problems.push('--out is required');
  if (args.functions.length === 0) problems.push('no --function given');
  for (const fn of args.functions)
    if (fn.entryPoint === '')
      problems.push(`--function ${fn.name} needs an --entry-point`);
  return problems.length > 0
    ? {kind: 'invalid', problems}
    : {kind: 'run', args};
}

function addPair(
  into: Record<string, string>,
  pair: string,
  flag: string,
  problems: string[],
): void {
  const eq = pair.indexOf('=');
  if (eq <= 0) problems.push(`${flag} must be NAME=VALUE, got "${pair}"`);
  else into[pair.slice(0, eq)] = pair.slice(eq + 1);
}

/** The variables of `gcloud functions describe --v2 --format=json` output. */
export function deployedVariables(json: string): Record<string, string> {
  const fn = JSON.parse(json) as {
    serviceConfig?: {environmentVariables?: unknown};
  };
  const vars = fn.serviceConfig?.environmentVariables ?? {};
  if (typeof vars !== 'object' || vars === null)
    throw new Error('serviceConfig.environmentVariables is not a map');
  return Object.fromEntries(
    Object.entries(vars).map(([name, value]) => [name, String(value)]),
  );
}

export const USAGE = `Usage: node dist/tools/deploy/plan-env.js --out DIR [--env-file FILE] [--set NAME=VALUE ...]
         --function NAME --entry-point ENTRY [--deployed FILE.json] [--set NAME=VALUE ...]
         [--default NAME=VALUE ...]   (repeat from --function for each function)
deploy.sh runs it: each function's environment (deployed, then the env file, then --set),
checked with the app's parseConfig, printed, and written to DIR/NAME.yaml. See
docs/deployment.md, "Settings".`;

export interface MainDeps {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Runs the command; resolves with the exit code. */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const parsed = parsePlanArgs(argv);
  if (parsed.kind !== 'run')
    return answerUsage(parsed, USAGE, deps, 'plan-env: ');
  const {args} = parsed;
  const problems: string[] = [];
  let file: EnvLayers['file'];
  if (args.envFile !== undefined) {
    const label = path.basename(args.envFile);
    const envFile = parseEnvFile(readFileSync(args.envFile, 'utf8'));
    const fileProblems =
      envFile.kind === 'invalid'
        ? envFile.problems.map(p => `${label}: ${p}`)
        : envFileProblems(label, envFile.vars);
    // The file's own problems first, once: the functions' would repeat them.
    if (fileProblems.length > 0 || envFile.kind === 'invalid') {
      deps.err(fileProblems.map(p => `deploy.sh: ${p}\n`).join(''));
      return 1;
    }
    file = {label, vars: envFile.vars};
  }
  const order = ['deployed', ...(file ? [file.label] : []), 'flags'];
  const yaml = new Map<string, string>();
  const notes: string[] = [];
  for (const fn of args.functions) {
    const plan = mergeEnv({
      deployed: fn.deployedFile
        ? deployedVariables(readFileSync(fn.deployedFile, 'utf8'))
        : {},
      file,
      flags: {...args.common, ...fn.set},
      defaults: fn.defaults,
    });
    deps.out(
      `==> environment of ${fn.name} (${order.join(', then ')}; the later wins)\n`,
    );
    deps.out(describePlan(plan).join('\n') + '\n');
    const checked = checkEnv(plan);
    if (checked.kind === 'invalid') {
      // A message of several lines stays one problem: its later lines are indented.
      problems.push(
        ...checked.problems.map(p => `${fn.name}: ${p.replace(/\n/g, '\n  ')}`),
      );
      continue;
    }
    yaml.set(fn.name, envVarsYaml(plan));
    if (
      (fn.entryPoint === 'notifyUser' || fn.entryPoint === 'notifyUsers') &&
      checked.config.notify.serviceAccounts.length === 0
    )
      notes.push(
        `==> note: ${fn.name} refuses every request (500): no caller is allowed. Deploy again with`,
        '    --notify-callers EMAIL[,EMAIL...] (or NOTIFY_CALLERS) to allow the services that send.',
      );
  }
  if (problems.length > 0) {
    deps.err(problems.map(p => `deploy.sh: ${p}\n`).join(''));
    return 1;
  }
  for (const [name, text] of yaml)
    writeFileSync(path.join(args.out, `${name}.yaml`), text, {mode: 0o600});
  writeFileSync(
    path.join(args.out, 'notes'),
    notes.map(n => `${n}\n`).join(''),
  );
  return 0;
}

if (require.main === module) {
  exitWith(main(process.argv.slice(2), stdio));
}
