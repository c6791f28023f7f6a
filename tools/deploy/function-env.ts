/**
 * One function's environment for a deployment: what it has now, overridden by the
 * operator's env file, overridden by deploy.sh's flags; checked with the app's own parser.
 *
 * The deployed environment is a layer so that a setting somebody set earlier (by an earlier
 * deployment, or by hand as docs advise for BCRYPT_COST) survives the next deployment:
 * `gcloud functions deploy --env-vars-file` replaces every variable.
 */
import {
  ConfigError,
  parseConfig,
  type Config,
} from '../../shared/platform/config';
import {
  FLAG_SETTINGS,
  LOCAL_ONLY,
  appSettingNames,
  isSecretName,
} from './settings';

export interface EnvLayers {
  /** What the function has now; empty when it is not deployed yet. */
  deployed: Readonly<Record<string, string>>;
  /** The operator's env file and its label (its file name), if one is given. */
  file?: {label: string; vars: ReadonlyMap<string, string>};
  /** What deploy.sh's flags set. */
  flags: Readonly<Record<string, string>>;
  /** Used only when no other layer has the variable. */
  defaults: Readonly<Record<string, string>>;
}

export interface EnvEntry {
  name: string;
  value: string;
  /** Where the value comes from: `deployed`, the env file's label, `flags` or `default`. */
  source: string;
}

export interface EnvPlan {
  entries: EnvEntry[];
  /** Variables the function has now that the env file removes (`NAME=`). */
  removed: {name: string; source: string}[];
}

/** Merges the layers: defaults < deployed < env file < flags; an empty file value removes. */
export function mergeEnv(layers: EnvLayers): EnvPlan {
  const merged = new Map<string, EnvEntry>();
  const put = (name: string, value: string, source: string) =>
    merged.set(name, {name, value, source});
  for (const [name, value] of Object.entries(layers.defaults))
    put(name, value, 'default');
  for (const [name, value] of Object.entries(layers.deployed))
    put(name, value, 'deployed');
  const removed: EnvPlan['removed'] = [];
  for (const [name, value] of layers.file?.vars ?? []) {
    if (value !== '') {
      put(name, value, layers.file!.label);
    } else if (merged.delete(name)) {
      removed.push({name, source: layers.file!.label});
    }
  }
  for (const [name, value] of Object.entries(layers.flags))
    put(name, value, 'flags');
  const entries = [...merged.values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  return {entries, removed};
}

/** Problems of the env file itself, the same for every function. */
export function envFileProblems(
  label: string,
  vars: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [name, value] of vars) {
    const flag = FLAG_SETTINGS[name];
    // `NAME=` removes a setting from the functions, whoever set it: always allowed.
    if (value === '') continue;
    if (flag !== undefined) {
      problems.push(
        `${label}: ${name} is set with deploy.sh ${flag}, not in the env file (only ${name}= to remove it)`,
      );
    } else if (LOCAL_ONLY[name] !== undefined) {
      problems.push(`${label}: ${name} ${LOCAL_ONLY[name]}: never deployed`);
    } else if (!appSettingNames().has(name)) {
      problems.push(
        `${label}: ${name} is not a setting of this app (README's Configuration table and docs/cron.md list them)`,
      );
    }
  }
  return problems;
}

export type EnvCheck =
  {kind: 'ok'; config: Config} | {kind: 'invalid'; problems: string[]};

/** Checks a function's merged environment: nothing local-only, and parseConfig accepts it. */
export function checkEnv(plan: EnvPlan): EnvCheck {
  const problems = plan.entries
    .filter(e => LOCAL_ONLY[e.name] !== undefined)
    .map(
      e =>
        `${e.name} ${LOCAL_ONLY[e.name]} (${e.source}): remove it with a line "${e.name}=" in the env file`,
    );
  const env = Object.fromEntries(plan.entries.map(e => [e.name, e.value]));
  try {
    const config = parseConfig(env);
    if (problems.length === 0) return {kind: 'ok', config};
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message);
  }
  return {kind: 'invalid', problems};
}

/**
 * The plan as printed: one `NAME=value (source)` line per variable, secrets masked. A
 * variable the app does not read (set by hand, say a database URL with its password) is
 * masked too: nothing says what it holds.
 */
export function describePlan(plan: EnvPlan): string[] {
  const known = appSettingNames();
  const lines = plan.entries.map(e => {
    const value =
      isSecretName(e.name) || !known.has(e.name) ? '****' : printable(e.value);
    const source =
      e.source === 'deployed' && !known.has(e.name)
        ? 'deployed; not read by the app, kept'
        : e.source;
    return `  ${e.name}=${value}  (${source})`;
  });
  for (const r of plan.removed)
    lines.push(`  ${r.name} removed  (${r.source})`);
  return lines;
}

/** A value as one readable line: JSON-quoted when it has spaces or control characters. */
function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\s\x00-\x1f\x7f"]/.test(value) || value === ''
    ? JSON.stringify(value)
    : value;
}

/**
 * The file `gcloud functions deploy --env-vars-file` reads: a YAML mapping of strings.
 * Each value is a JSON string, which is also a YAML double-quoted string, so no value can
 * turn into a number, a boolean or YAML syntax.
 */
export function envVarsYaml(plan: EnvPlan): string {
  if (plan.entries.length === 0) return '{}\n';
  return plan.entries
    .map(e => `${e.name}: ${JSON.stringify(e.value)}\n`)
    .join('');
}
