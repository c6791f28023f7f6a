/**
 * `node dist/tools/deploy/release-rules.js --project P [--rules firestore.rules]` (deploy.sh
 * runs it): releases the rules file as the project's Firestore rules through the Firebase
 * Rules API, with application default credentials. `--dry-run` checks the file and prints
 * the requests instead; `--base-url` points it at another server (tests).
 */
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {exitWith, stdio} from '../cli/exit';
import {parseFlags, stringFlag} from '../cli/flags';
import {answerUsage} from '../cli/usage';
import {
  FIRESTORE_RELEASE,
  RULES_API,
  releaseFirestoreRules,
  type ReleaseOutcome,
} from './rules-api';

export const USAGE = `Usage: npm run release-rules -- --project ID [options]
Releases a rules file as the project's Firestore rules (projects/ID/releases/${FIRESTORE_RELEASE})
through the Firebase Rules API, with application default credentials
(gcloud auth application-default login). Does nothing when the release already holds it.

  --project ID        the Google Cloud project
  --rules FILE        the rules file (default firestore.rules)
  --base-url URL      the Rules API (default ${RULES_API})
  --dry-run           check the file and print the requests, send nothing
  -h, --help          this text`;

const FLAGS = {
  project: {type: 'string'},
  rules: {type: 'string'},
  'base-url': {type: 'string'},
  'dry-run': {type: 'boolean'},
} as const;

export interface MainDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Request headers; application default credentials when absent. */
  headers?: (project: string) => Promise<Headers>;
}

/** Runs the command; resolves with the exit code. */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const parsed = parseFlags(argv, FLAGS, {positionals: false});
  if (parsed.help) return answerUsage({kind: 'help'}, USAGE, deps);
  const problems = [...parsed.problems];
  const project = stringFlag(parsed, 'project');
  if (project === undefined && !parsed.valueless.includes('project'))
    problems.push('--project is required');
  const file = stringFlag(parsed, 'rules') ?? 'firestore.rules';
  const baseUrl = stringFlag(parsed, 'base-url') ?? RULES_API;
  let source = '';
  try {
    source = readFileSync(file, 'utf8');
    if (!/\bservice\s+cloud\.firestore\b/.test(source))
      problems.push(`${file} has no "service cloud.firestore" block`);
  } catch (err) {
    problems.push(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (problems.length > 0 || project === undefined)
    return answerUsage(
      {kind: 'invalid', problems},
      USAGE,
      deps,
      'release-rules: ',
    );
  const release = `projects/${project}/releases/${FIRESTORE_RELEASE}`;
  if (parsed.values['dry-run'] === true) {
    const sha = createHash('sha256').update(source).digest('hex').slice(0, 12);
    const api = `${baseUrl.replace(/\/+$/, '')}/v1/projects/${project}`;
    deps.out(
      `Would release ${file} (${Buffer.byteLength(source)} bytes, sha256 ${sha}…) as ${release}:\n` +
        `  GET   ${api}/releases/${FIRESTORE_RELEASE} and its ruleset (the same source: stop here)\n` +
        `  POST  ${api}/rulesets\n` +
        `  PATCH ${api}/releases/${FIRESTORE_RELEASE} (POST ${api}/releases when there is none)\n`,
    );
    return 0;
  }
  try {
    const outcome = await releaseFirestoreRules(
      {
        baseUrl,
        project,
        headers: () => (deps.headers ?? googleHeaders)(project),
      },
      source,
    );
    deps.out(`${describe(outcome, file, release)}\n`);
    return 0;
  } catch (err) {
    // A refusal (invalid rules, no permission) or an unreachable API: the message says which.
    deps.err(
      `release-rules: could not release ${file} as ${release}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
}

function describe(
  outcome: ReleaseOutcome,
  file: string,
  release: string,
): string {
  switch (outcome.kind) {
    case 'unchanged':
      return `${release} already holds ${file} (${outcome.rulesetName}): nothing to do`;
    case 'updated':
      return `${release} now holds ${file} (${outcome.rulesetName}; was ${outcome.previous})`;
    case 'created':
      return `${release} created with ${file} (${outcome.rulesetName})`;
  }
}

/**
 * Headers from application default credentials. User credentials (gcloud auth
 * application-default login) without a quota project get this project as theirs: the Rules
 * API refuses user credentials that name none.
 */
async function googleHeaders(project: string): Promise<Headers> {
  const {GoogleAuth, UserRefreshClient} = await import('google-auth-library');
  const client = await new GoogleAuth({
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  }).getClient();
  const headers = await client.getRequestHeaders();
  if (
    client instanceof UserRefreshClient &&
    !headers.has('x-goog-user-project')
  )
    headers.set('x-goog-user-project', project);
  return headers;
}

if (require.main === module) {
  exitWith(main(process.argv.slice(2), stdio));
}
