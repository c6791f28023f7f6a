/**
 * The Firebase Rules API calls that release Firestore rules
 * (https://firebase.google.com/docs/reference/rules/rest): the same requests firebase-admin's
 * security-rules client and the Firebase CLI make, over fetch with Google credentials, so no
 * Firebase CLI is needed. A release points at an immutable ruleset: create the ruleset, then
 * point the release `cloud.firestore` at it.
 */

export const RULES_API = 'https://firebaserules.googleapis.com';
/** The release Cloud Firestore enforces for the project's (default) database. */
export const FIRESTORE_RELEASE = 'cloud.firestore';
/** The name of the one source file inside a ruleset (shown in the Firebase console). */
const FILE_NAME = 'firestore.rules';
const TIMEOUT_MS = 30_000;

export interface RulesApi {
  /** Base URL (RULES_API, or a local server in tests). */
  baseUrl: string;
  project: string;
  /** Authorization (and quota project) headers for one request. */
  headers: () => Promise<Headers>;
}

/** How a release ended. */
export type ReleaseOutcome =
  | {kind: 'unchanged'; rulesetName: string}
  | {kind: 'updated'; rulesetName: string; previous: string}
  | {kind: 'created'; rulesetName: string};

/** A refused or failed call, with Google's error message. */
export class RulesApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RulesApiError';
  }
}

interface Ruleset {
  name: string;
  source?: {files?: {name?: string; content?: string}[]};
}
interface Release {
  name: string;
  rulesetName: string;
}

/**
 * Releases `source` as the project's Firestore rules. When the current release already
 * holds exactly this source, nothing is created (a project keeps at most 2500 rulesets).
 */
export async function releaseFirestoreRules(
  api: RulesApi,
  source: string,
): Promise<ReleaseOutcome> {
  const project = `projects/${api.project}`;
  const releaseName = `${project}/releases/${FIRESTORE_RELEASE}`;
  const current = await call<Release>(api, 'GET', releaseName).catch(
    orNotFound,
  );
  if (current) {
    const ruleset = await call<Ruleset>(api, 'GET', current.rulesetName).catch(
      orNotFound,
    );
    const files = ruleset?.source?.files ?? [];
    if (files.length === 1 && files[0]?.content === source)
      return {kind: 'unchanged', rulesetName: current.rulesetName};
  }
  const created = await call<Ruleset>(api, 'POST', `${project}/rulesets`, {
    source: {files: [{name: FILE_NAME, content: source}]},
  });
  const release: Release = {name: releaseName, rulesetName: created.name};
  if (current) {
    // Only rulesetName is honoured by PATCH; the release keeps its name.
    await call(api, 'PATCH', releaseName, {release});
    return {
      kind: 'updated',
      rulesetName: created.name,
      previous: current.rulesetName,
    };
  }
  await call(api, 'POST', `${project}/releases`, release);
  return {kind: 'created', rulesetName: created.name};
}

/** A 404 as undefined; any other failure as it is. */
function orNotFound(err: unknown): undefined {
  if (err instanceof RulesApiError && err.status === 404) return undefined;
  throw err;
}

async function call<T>(
  api: RulesApi,
  method: string,
  resource: string,
  body?: unknown,
): Promise<T> {
  const url = `${api.baseUrl.replace(/\/+$/, '')}/v1/${resource}`;
  const headers = await api.headers();
  if (body !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new RulesApiError(
      response.status,
      `${method} ${url} answered ${response.status}: ${googleMessage(text)}`,
    );
  }
  return JSON.parse(text) as T;
}

/** Google's `{error: {message}}`, or the start of whatever else came back. */
function googleMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as {error?: {message?: unknown}}).error
      ?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 200) || '(empty body)';
}
