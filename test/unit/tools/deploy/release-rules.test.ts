/**
 * The rules release against a local server standing in for the Firebase Rules API: it keeps
 * rulesets and releases as the API does (create a ruleset; create or patch a release that
 * names one) and records every request.
 */
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {main} from '../../../../tools/deploy/release-rules';

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

const RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read, write: if false;
    }
  }
}
`;
const RELEASE = 'projects/p-1/releases/cloud.firestore';

describe('release-rules', () => {
  let server: Server;
  let baseUrl: string;
  let requests: Recorded[];
  let rulesets: Map<string, {files: {name: string; content: string}[]}>;
  let releases: Map<string, string>;
  /** When set, POST rulesets answers this (the API refusing the rules). */
  let refuse: {status: number; body: unknown} | undefined;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body: unknown = text ? JSON.parse(text) : undefined;
        const url = req.url!;
        requests.push({
          method: req.method!,
          path: url,
          authorization: req.headers.authorization,
          body,
        });
        const answer = (status: number, json: unknown) => {
          res.writeHead(status, {'content-type': 'application/json'});
          res.end(JSON.stringify(json));
        };
        const notFound = () =>
          answer(404, {
            error: {code: 404, message: 'not found', status: 'NOT_FOUND'},
          });
        const name = decodeURIComponent(url.replace(/^\/v1\//, ''));
        if (req.method === 'GET' && releases.has(name))
          return answer(200, {name, rulesetName: releases.get(name)});
        if (req.method === 'GET' && rulesets.has(name))
          return answer(200, {name, source: rulesets.get(name)});
        if (req.method === 'POST' && name === 'projects/p-1/rulesets') {
          if (refuse) return answer(refuse.status, refuse.body);
          const created = `projects/p-1/rulesets/r${rulesets.size + 1}`;
          rulesets.set(
            created,
            (body as {source: {files: {name: string; content: string}[]}})
              .source,
          );
          return answer(200, {name: created});
        }
        if (req.method === 'POST' && name === 'projects/p-1/releases') {
          const {name: release, rulesetName} = body as {
            name: string;
            rulesetName: string;
          };
          releases.set(release, rulesetName);
          return answer(200, {name: release, rulesetName});
        }
        if (req.method === 'PATCH' && releases.has(name)) {
          const {release} = body as {
            release: {name: string; rulesetName: string};
          };
          releases.set(name, release.rulesetName);
          return answer(200, release);
        }
        return notFound();
      });
    });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise(resolve => server.close(resolve)));

  beforeEach(() => {
    requests = [];
    rulesets = new Map();
    releases = new Map();
    refuse = undefined;
    dir = mkdtempSync(path.join(os.tmpdir(), 'release-rules-'));
    file = path.join(dir, 'firestore.rules');
    writeFileSync(file, RULES);
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  async function release(...extra: string[]) {
    let out = '';
    let err = '';
    const code = await main(
      ['--project', 'p-1', '--rules', file, '--base-url', baseUrl, ...extra],
      {
        out: t => void (out += t),
        err: t => void (err += t),
        headers: async project =>
          new Headers({
            authorization: 'Bearer test-token',
            'x-project': project,
          }),
      },
    );
    return {code, out, err};
  }

  const FILES = [{name: 'firestore.rules', content: RULES}];

  it('creates the ruleset, then the release when the project has none', async () => {
    expect(await release()).toEqual({
      code: 0,
      out: `${RELEASE} created with ${file} (projects/p-1/rulesets/r1)\n`,
      err: '',
    });
    expect(requests).toEqual([
      {
        method: 'GET',
        path: `/v1/${RELEASE}`,
        authorization: 'Bearer test-token',
        body: undefined,
      },
      {
        method: 'POST',
        path: '/v1/projects/p-1/rulesets',
        authorization: 'Bearer test-token',
        body: {source: {files: FILES}},
      },
      {
        method: 'POST',
        path: '/v1/projects/p-1/releases',
        authorization: 'Bearer test-token',
        body: {name: RELEASE, rulesetName: 'projects/p-1/rulesets/r1'},
      },
    ]);
    expect(releases.get(RELEASE)).toBe('projects/p-1/rulesets/r1');
  });

  it('points an existing release at a new ruleset with PATCH', async () => {
    rulesets.set('projects/p-1/rulesets/r1', {
      files: [{name: 'firestore.rules', content: 'allow all (test mode)'}],
    });
    releases.set(RELEASE, 'projects/p-1/rulesets/r1');
    expect(await release()).toEqual({
      code: 0,
      out: `${RELEASE} now holds ${file} (projects/p-1/rulesets/r2; was projects/p-1/rulesets/r1)\n`,
      err: '',
    });
    expect(requests.map(r => `${r.method} ${r.path}`)).toEqual([
      `GET /v1/${RELEASE}`,
      'GET /v1/projects/p-1/rulesets/r1',
      'POST /v1/projects/p-1/rulesets',
      `PATCH /v1/${RELEASE}`,
    ]);
    expect(requests[3]!.body).toEqual({
      release: {name: RELEASE, rulesetName: 'projects/p-1/rulesets/r2'},
    });
    expect(releases.get(RELEASE)).toBe('projects/p-1/rulesets/r2');
  });

  it('creates nothing when the release already holds the same rules', async () => {
    rulesets.set('projects/p-1/rulesets/r1', {files: FILES});
    releases.set(RELEASE, 'projects/p-1/rulesets/r1');
    expect(await release()).toEqual({
      code: 0,
      out: `${RELEASE} already holds ${file} (projects/p-1/rulesets/r1): nothing to do\n`,
      err: '',
    });
    expect(requests.map(r => r.method)).toEqual(['GET', 'GET']);
    expect(rulesets.size).toBe(1);
  });

  it("reports the API's refusal and leaves the release as it was", async () => {
    releases.set(RELEASE, 'projects/p-1/rulesets/r0');
    refuse = {
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'Compilation errors in firestore.rules',
          status: 'INVALID_ARGUMENT',
        },
      },
    };
    const {code, out, err} = await release();
    expect(out).toBe('');
    expect(err).toBe(
      `release-rules: could not release ${file} as ${RELEASE}: POST ${baseUrl}/v1/projects/p-1/rulesets answered 400: Compilation errors in firestore.rules\n`,
    );
    expect(code).toBe(1);
    expect(releases.get(RELEASE)).toBe('projects/p-1/rulesets/r0');
  });

  it('--dry-run sends nothing and prints the requests', async () => {
    const {code, out, err} = await release('--dry-run');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(
      new RegExp(
        `^Would release ${file} \\(${Buffer.byteLength(RULES)} bytes, sha256 [0-9a-f]{12}…\\) as ${RELEASE}:\n`,
      ),
    );
    expect(out).toContain(`  POST  ${baseUrl}/v1/projects/p-1/rulesets\n`);
    expect(requests).toEqual([]);
  });

  it('names every bad argument, and a file that is not Firestore rules', async () => {
    writeFileSync(file, 'service firebase.storage {}');
    let err = '';
    const code = await main(['--rules', file, '--bogus', 'x'], {
      out: () => undefined,
      err: t => void (err += t),
    });
    expect(code).toBe(2);
    expect(err.split('\n\n')[0]!.split('\n')).toEqual([
      'release-rules: unknown option --bogus',
      'release-rules: unexpected argument "x"',
      'release-rules: --project is required',
      `release-rules: ${file} has no "service cloud.firestore" block`,
    ]);
    expect(requests).toEqual([]);
  });

  it('the firestore.rules of the repository denies every client read and write', () => {
    const text = readFileSync(
      path.join(__dirname, '../../../../firestore.rules'),
      'utf8',
    );
    const code = text
      .replace(/\/\/.*$/gm, '')
      .replace(/\s+/g, ' ')
      .trim();
    expect(code).toBe(
      "rules_version = '2'; service cloud.firestore { match /databases/{database}/documents { match /{document=**} { allow read, write: if false; } } }",
    );
  });
});
