import {
  fcmControl,
  type FcmControl,
  type GroupSnapshot,
} from '../../../tools/fcm-emulator/control';
import {parseArgs} from '../../../tools/fcm-emulator/main';
import {
  startFcmEmulator,
  type FcmEmulator,
} from '../../../tools/fcm-emulator/server';

/** FCM-shaped key: the APA91b prefix and URL-safe characters, 140 in all. */
const KEY_PATTERN = /^APA91b[A-Za-z0-9_-]{134}$/;

let emulator: FcmEmulator;
let control: FcmControl;
let projectCount = 0;

beforeAll(async () => {
  emulator = await startFcmEmulator({port: 0});
  control = fcmControl(emulator.url);
});

afterAll(() => emulator.close());

afterEach(() => control.clearFaults());

/** Every test gets its own sender id, so groups never leak between tests. */
function newProject(): string {
  projectCount += 1;
  return `sender-${projectCount}`;
}

/** `n` registration ids that sort in creation order. */
function tokens(n: number, prefix = 'token'): string[] {
  return Array.from(
    {length: n},
    (_, i) => `${prefix}-${String(i).padStart(2, '0')}`,
  );
}

type HeaderOverrides = Record<string, string | undefined>;

function fcmHeaders(
  project: string,
  overrides: HeaderOverrides = {},
): Record<string, string> {
  const headers: HeaderOverrides = {
    'Content-Type': 'application/json',
    Authorization: 'Bearer ya29.test-token',
    project_id: project,
    access_token_auth: 'true',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(headers).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

interface Answer {
  status: number;
  body: unknown;
}

interface CallOptions {
  headers?: HeaderOverrides;
  /** Sent as is instead of the JSON-encoded body. */
  raw?: string;
  signal?: AbortSignal;
  url?: string;
}

async function post(
  project: string,
  body: unknown,
  opts: CallOptions = {},
): Promise<Answer> {
  const text = opts.raw ?? JSON.stringify(body);
  const res = await fetch(`${opts.url ?? emulator.url}/fcm/notification`, {
    method: 'POST',
    headers: fcmHeaders(project, opts.headers),
    // Bytes rather than a string, so fetch adds no Content-Type of its own.
    body: new TextEncoder().encode(text),
    signal: opts.signal,
  });
  return {status: res.status, body: await res.json()};
}

async function retrieve(
  project: string,
  name: string | null,
  headers: HeaderOverrides = {},
): Promise<Answer> {
  const query =
    name === null ? '' : `?notification_key_name=${encodeURIComponent(name)}`;
  const res = await fetch(`${emulator.url}/fcm/notification${query}`, {
    headers: fcmHeaders(project, {'Content-Type': undefined, ...headers}),
  });
  return {status: res.status, body: await res.json()};
}

async function createGroup(
  project: string,
  name: string,
  ids: string[],
): Promise<string> {
  const res = await post(project, {
    operation: 'create',
    notification_key_name: name,
    registration_ids: ids,
  });
  expect(res.status).toBe(200);
  return (res.body as {notification_key: string}).notification_key;
}

function group(name: string, key: string, ids: string[]): GroupSnapshot {
  return {
    notification_key_name: name,
    notification_key: key,
    registration_ids: ids,
  };
}

describe('header checks', () => {
  const create = {
    operation: 'create',
    notification_key_name: 'user-1',
    registration_ids: ['t1'],
  };
  const postCases: Array<[string, HeaderOverrides, number, string]> = [
    ['no Authorization', {Authorization: undefined}, 401, 'Unauthorized'],
    [
      'a Basic Authorization',
      {Authorization: 'Basic dXNlcjpwYXNz'},
      401,
      'Unauthorized',
    ],
    ['a Bearer without token', {Authorization: 'Bearer '}, 401, 'Unauthorized'],
    [
      'no access_token_auth',
      {access_token_auth: undefined},
      401,
      'access_token_auth header must be true',
    ],
    [
      'access_token_auth false',
      {access_token_auth: 'false'},
      401,
      'access_token_auth header must be true',
    ],
    [
      'no project_id',
      {project_id: undefined},
      400,
      'project_id header is required',
    ],
    [
      'an empty project_id',
      {project_id: ''},
      400,
      'project_id header is required',
    ],
    [
      'no Content-Type',
      {'Content-Type': undefined},
      400,
      'Content-Type must be application/json',
    ],
    [
      'Content-Type text/plain',
      {'Content-Type': 'text/plain'},
      400,
      'Content-Type must be application/json',
    ],
  ];

  test.each(postCases)(
    'rejects a POST with %s and creates nothing',
    async (_, headers, status, error) => {
      const project = newProject();
      expect(await post(project, create, {headers})).toEqual({
        status,
        body: {error},
      });
      expect(await control.groups(project)).toEqual([]);
    },
  );

  const getCases: Array<[string, HeaderOverrides, number, string]> = [
    ['no Authorization', {Authorization: undefined}, 401, 'Unauthorized'],
    [
      'no access_token_auth',
      {access_token_auth: undefined},
      401,
      'access_token_auth header must be true',
    ],
    [
      'no project_id',
      {project_id: undefined},
      400,
      'project_id header is required',
    ],
  ];

  test.each(getCases)(
    'rejects a GET with %s',
    async (_, headers, status, error) => {
      const project = newProject();
      await createGroup(project, 'user-1', ['t1']);
      expect(await retrieve(project, 'user-1', headers)).toEqual({
        status,
        body: {error},
      });
    },
  );

  test('accepts application/json with a charset parameter', async () => {
    const project = newProject();
    const res = await post(project, create, {
      headers: {'Content-Type': 'application/json; charset=utf-8'},
    });
    expect(res.status).toBe(200);
    expect(await control.groups(project)).toHaveLength(1);
  });

  test('accepts a GET without Content-Type', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1']);
    expect(await retrieve(project, 'user-1')).toEqual({
      status: 200,
      body: {notification_key: key},
    });
  });
});

describe('group operations', () => {
  test('create answers a new FCM-shaped key and stores the deduplicated members', async () => {
    const project = newProject();
    const res = await post(project, {
      operation: 'create',
      notification_key_name: 'user-1',
      registration_ids: ['t2', 't1', 't2'],
    });
    expect(res.status).toBe(200);
    const key = (res.body as {notification_key: string}).notification_key;
    expect(res.body).toEqual({notification_key: key});
    expect(key).toMatch(KEY_PATTERN);
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1', 't2']),
    ]);
  });

  test('GET retrieves the key of a group by name', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1']);
    expect(await retrieve(project, 'user-1')).toEqual({
      status: 200,
      body: {notification_key: key},
    });
  });

  test('add answers the same key and adds the members', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1']);
    const body = {
      operation: 'add',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ['t3', 't2'],
    };
    expect(await post(project, body)).toEqual({
      status: 200,
      body: {notification_key: key},
    });
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1', 't2', 't3']),
    ]);
  });

  test('add of an existing member succeeds and changes nothing', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1', 't2']);
    const body = {
      operation: 'add',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ['t1'],
    };
    expect(await post(project, body)).toEqual({
      status: 200,
      body: {notification_key: key},
    });
    expect(await post(project, body)).toEqual({
      status: 200,
      body: {notification_key: key},
    });
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1', 't2']),
    ]);
  });

  test('remove drops the listed members and ignores ids that are not members', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1', 't2', 't3']);
    const body = {
      operation: 'remove',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ['t2', 'stranger'],
    };
    expect(await post(project, body)).toEqual({
      status: 200,
      body: {notification_key: key},
    });
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1', 't3']),
    ]);
  });

  test('removing the last members deletes the group, and re-creating it gives a new key', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1', 't2']);
    const remove = {
      operation: 'remove',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ['t1', 't2'],
    };
    expect(await post(project, remove)).toEqual({
      status: 200,
      body: {notification_key: key},
    });
    expect(await control.groups(project)).toEqual([]);
    expect(await retrieve(project, 'user-1')).toEqual({
      status: 400,
      body: {error: 'notification_key not found'},
    });
    const addToOld = {...remove, operation: 'add', registration_ids: ['t1']};
    expect(await post(project, addToOld)).toEqual({
      status: 400,
      body: {error: 'notification_key not found'},
    });

    const newKey = await createGroup(project, 'user-1', ['t9']);
    expect(newKey).toMatch(KEY_PATTERN);
    expect(newKey).not.toBe(key);
    expect(await control.groups(project)).toEqual([
      group('user-1', newKey, ['t9']),
    ]);
  });

  test('every group gets a distinct key', async () => {
    const project = newProject();
    const keys = await Promise.all(
      tokens(10, 'user').map(name => createGroup(project, name, ['t1'])),
    );
    expect(new Set(keys).size).toBe(10);
  });
});

describe('errors leave the groups unchanged', () => {
  // Each case runs against groups user-1 (t1, t2) and user-2 (t3) of a fresh project.
  type Keys = {user1: string; user2: string};
  const cases: Array<[string, (keys: Keys) => unknown, string]> = [
    [
      'create of an existing name',
      () => ({
        operation: 'create',
        notification_key_name: 'user-1',
        registration_ids: ['t9'],
      }),
      'notification_key already exists',
    ],
    [
      'add with an unknown key',
      () => ({
        operation: 'add',
        notification_key_name: 'user-1',
        notification_key: 'APA91bUnknown',
        registration_ids: ['t9'],
      }),
      'notification_key not found',
    ],
    [
      'remove with an unknown key',
      () => ({
        operation: 'remove',
        notification_key_name: 'user-1',
        notification_key: 'APA91bUnknown',
        registration_ids: ['t1'],
      }),
      'notification_key not found',
    ],
    [
      'add with the key of another name',
      k => ({
        operation: 'add',
        notification_key_name: 'user-2',
        notification_key: k.user1,
        registration_ids: ['t9'],
      }),
      "notification_key_name doesn't match the group name of the notification_key",
    ],
    [
      'remove with the key of another name',
      k => ({
        operation: 'remove',
        notification_key_name: 'user-3',
        notification_key: k.user1,
        registration_ids: ['t1'],
      }),
      "notification_key_name doesn't match the group name of the notification_key",
    ],
    [
      'remove of ids none of which is a member',
      k => ({
        operation: 'remove',
        notification_key_name: 'user-1',
        notification_key: k.user1,
        registration_ids: ['t3', 'stranger'],
      }),
      'no valid registration ids',
    ],
    [
      'create without registration_ids',
      () => ({operation: 'create', notification_key_name: 'user-9'}),
      'no valid registration ids',
    ],
    [
      'create with empty registration_ids',
      () => ({
        operation: 'create',
        notification_key_name: 'user-9',
        registration_ids: [],
      }),
      'no valid registration ids',
    ],
    [
      'add with empty registration_ids',
      k => ({
        operation: 'add',
        notification_key_name: 'user-1',
        notification_key: k.user1,
        registration_ids: [],
      }),
      'no valid registration ids',
    ],
    [
      'remove without registration_ids',
      k => ({
        operation: 'remove',
        notification_key_name: 'user-1',
        notification_key: k.user1,
      }),
      'no valid registration ids',
    ],
    [
      'registration_ids that is not an array',
      () => ({
        operation: 'create',
        notification_key_name: 'user-9',
        registration_ids: 't1',
      }),
      'registration_ids must be an array of non-empty strings',
    ],
    [
      'a registration id that is not a string',
      k => ({
        operation: 'add',
        notification_key_name: 'user-1',
        notification_key: k.user1,
        registration_ids: ['t9', 42],
      }),
      'registration_ids must be an array of non-empty strings',
    ],
    [
      'an empty registration id',
      () => ({
        operation: 'create',
        notification_key_name: 'user-9',
        registration_ids: ['t9', ''],
      }),
      'registration_ids must be an array of non-empty strings',
    ],
    [
      'an unknown operation',
      () => ({
        operation: 'delete',
        notification_key_name: 'user-1',
        registration_ids: ['t1'],
      }),
      'invalid operation',
    ],
    [
      'no operation',
      () => ({notification_key_name: 'user-9', registration_ids: ['t1']}),
      'invalid operation',
    ],
    [
      'no notification_key_name',
      () => ({operation: 'create', registration_ids: ['t1']}),
      'notification_key_name must be a non-empty string',
    ],
    [
      'an empty notification_key_name',
      () => ({
        operation: 'create',
        notification_key_name: '',
        registration_ids: ['t1'],
      }),
      'notification_key_name must be a non-empty string',
    ],
    [
      'a notification_key_name that is not a string',
      () => ({
        operation: 'create',
        notification_key_name: 7,
        registration_ids: ['t1'],
      }),
      'notification_key_name must be a non-empty string',
    ],
    [
      'add without notification_key',
      () => ({
        operation: 'add',
        notification_key_name: 'user-1',
        registration_ids: ['t9'],
      }),
      'notification_key must be a non-empty string',
    ],
    ['a JSON array body', () => [], 'request body must be a JSON object'],
    ['a JSON null body', () => null, 'request body must be a JSON object'],
  ];

  test.each(cases)('rejects %s with 400', async (_, makeBody, error) => {
    const project = newProject();
    const keys = {
      user1: await createGroup(project, 'user-1', ['t1', 't2']),
      user2: await createGroup(project, 'user-2', ['t3']),
    };
    const before = await control.groups(project);

    expect(await post(project, makeBody(keys))).toEqual({
      status: 400,
      body: {error},
    });
    expect(await control.groups(project)).toEqual(before);
  });

  test('rejects malformed JSON with 400', async () => {
    const project = newProject();
    const res = await post(project, undefined, {
      raw: '{"operation": "create",',
    });
    expect(res).toEqual({
      status: 400,
      body: {error: 'request body is not valid JSON'},
    });
    expect(await control.groups(project)).toEqual([]);
  });

  test.each([
    [
      'without notification_key_name',
      null,
      'notification_key_name query parameter is required',
    ],
    ['of an unknown name', 'nobody', 'notification_key not found'],
  ])('rejects a GET %s with 400', async (_, name, error) => {
    expect(await retrieve(newProject(), name)).toEqual({
      status: 400,
      body: {error},
    });
  });
});

describe('the 20-member limit', () => {
  const tooMany = {
    status: 400,
    body: {error: 'maximum number of members exceeded'},
  };

  test('create accepts 20 members and rejects 21', async () => {
    const project = newProject();
    const key = await createGroup(project, 'full', tokens(20));
    const res = await post(project, {
      operation: 'create',
      notification_key_name: 'over',
      registration_ids: tokens(21),
    });
    expect(res).toEqual(tooMany);
    expect(await control.groups(project)).toEqual([
      group('full', key, tokens(20)),
    ]);
  });

  test('create counts distinct ids only', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', [
      ...tokens(20),
      'token-00',
    ]);
    expect(await control.groups(project)).toEqual([
      group('user-1', key, tokens(20)),
    ]);
  });

  test('add beyond 20 members is rejected as a whole', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', tokens(18));
    const add = (ids: string[]) => ({
      operation: 'add',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ids,
    });
    expect(await post(project, add(tokens(21).slice(18)))).toEqual(tooMany);
    expect(await control.groups(project)).toEqual([
      group('user-1', key, tokens(18)),
    ]);

    expect(await post(project, add(tokens(20).slice(17)))).toEqual({
      status: 200,
      body: {notification_key: key},
    });
    expect(await control.groups(project)).toEqual([
      group('user-1', key, tokens(20)),
    ]);
  });

  test('add of existing members to a full group still succeeds', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', tokens(20));
    const body = {
      operation: 'add',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ['token-05'],
    };
    expect(await post(project, body)).toEqual({
      status: 200,
      body: {notification_key: key},
    });
    expect(await control.groups(project)).toEqual([
      group('user-1', key, tokens(20)),
    ]);
  });
});

describe('namespacing by project_id', () => {
  test('the same name lives separately in two projects', async () => {
    const [a, b] = [newProject(), newProject()];
    const keyA = await createGroup(a, 'user-1', ['ta']);
    const keyB = await createGroup(b, 'user-1', ['tb']);
    expect(keyA).not.toBe(keyB);
    expect(await control.groups(a)).toEqual([group('user-1', keyA, ['ta'])]);
    expect(await control.groups(b)).toEqual([group('user-1', keyB, ['tb'])]);
    expect(await retrieve(b, 'user-1')).toEqual({
      status: 200,
      body: {notification_key: keyB},
    });
  });

  test('a key of one project is unknown in another', async () => {
    const [a, b] = [newProject(), newProject()];
    const keyA = await createGroup(a, 'user-1', ['ta']);
    const body = {
      operation: 'add',
      notification_key_name: 'user-1',
      notification_key: keyA,
      registration_ids: ['tb'],
    };
    expect(await post(b, body)).toEqual({
      status: 400,
      body: {error: 'notification_key not found'},
    });
    expect(await retrieve(b, 'user-1')).toEqual({
      status: 400,
      body: {error: 'notification_key not found'},
    });
    expect(await control.groups(a)).toEqual([group('user-1', keyA, ['ta'])]);
    expect(await control.groups(b)).toEqual([]);
  });
});

describe('routing', () => {
  test.each([
    ['GET', '/elsewhere', 404, {error: 'not found'}, null],
    ['GET', '/emulator/unknown', 404, {error: 'not found'}, null],
    [
      'PUT',
      '/fcm/notification',
      405,
      {error: 'method not allowed'},
      'GET, POST',
    ],
    [
      'DELETE',
      '/fcm/notification',
      405,
      {error: 'method not allowed'},
      'GET, POST',
    ],
    ['GET', '/emulator/groups', 405, {error: 'method not allowed'}, 'DELETE'],
    [
      'PUT',
      '/emulator/faults',
      405,
      {error: 'method not allowed'},
      'GET, POST, DELETE',
    ],
    [
      'POST',
      '/emulator/projects/p/groups',
      405,
      {error: 'method not allowed'},
      'GET, DELETE',
    ],
  ])('%s %s answers %i', async (method, path, status, body, allow) => {
    const res = await fetch(emulator.url + path, {method});
    expect({
      status: res.status,
      body: await res.json(),
      allow: res.headers.get('allow'),
    }).toEqual({status, body, allow});
  });
});

describe('fault injection', () => {
  const create = (name: string) => ({
    operation: 'create',
    notification_key_name: name,
    registration_ids: ['t1'],
  });

  test.each([
    [
      'http500',
      {},
      500,
      {error: {code: 500, message: 'Internal error', status: 'INTERNAL'}},
    ],
    [
      'http503',
      {},
      503,
      {
        error: {
          code: 503,
          message: 'The service is currently unavailable.',
          status: 'UNAVAILABLE',
        },
      },
    ],
    ['http400', {}, 400, {error: 'unexpected failure'}],
    [
      'http400',
      {error: 'InvalidRegistration'},
      400,
      {error: 'InvalidRegistration'},
    ],
  ] as const)(
    '%s %j fails exactly the next 2 calls without applying them',
    async (mode, extra, status, body) => {
      const project = newProject();
      expect(
        await control.injectFault({mode, count: 2, project, ...extra}),
      ).toEqual({
        mode,
        count: 2,
        project,
        afterApply: false,
        remaining: 2,
        ...extra,
      });
      expect(await post(project, create('user-1'))).toEqual({status, body});
      expect(await post(project, create('user-2'))).toEqual({status, body});
      expect(await control.groups(project)).toEqual([]);

      const key = await createGroup(project, 'user-3', ['t1']);
      expect(await control.groups(project)).toEqual([
        group('user-3', key, ['t1']),
      ]);
      expect(
        (await control.calls(project)).map(c => [c.status, c.fault]),
      ).toEqual([
        [status, mode],
        [status, mode],
        [200, null],
      ]);
      expect(await control.faults()).toEqual([]);
    },
  );

  test('a fault for one project leaves other projects alone', async () => {
    const [a, b] = [newProject(), newProject()];
    await control.injectFault({mode: 'http500', project: b});
    await createGroup(a, 'user-1', ['t1']);
    expect((await post(b, create('user-1'))).status).toBe(500);
    expect(await control.groups(b)).toEqual([]);
    expect(await control.faults()).toEqual([]);
  });

  test('a fault without project applies to the next call of any project, GET included', async () => {
    const project = newProject();
    await createGroup(project, 'user-1', ['t1']);
    await control.injectFault({mode: 'http503'});
    expect((await retrieve(project, 'user-1')).status).toBe(503);
    expect((await retrieve(project, 'user-1')).status).toBe(200);
  });

  test('faults are consumed in the order they were injected', async () => {
    const project = newProject();
    await control.injectFault({mode: 'http500', project});
    await control.injectFault({mode: 'http503', project});
    expect(await control.faults()).toHaveLength(2);
    expect((await post(project, create('user-1'))).status).toBe(500);
    expect(await control.faults()).toEqual([
      {mode: 'http503', count: 1, project, afterApply: false, remaining: 1},
    ]);
    expect((await post(project, create('user-1'))).status).toBe(503);
    expect((await post(project, create('user-1'))).status).toBe(200);
  });

  test('timeout never answers, so the client gives up', async () => {
    const project = newProject();
    await control.injectFault({mode: 'timeout', project});
    await expect(
      post(project, create('user-1'), {signal: AbortSignal.timeout(300)}),
    ).rejects.toMatchObject({name: 'TimeoutError'});
    expect(await control.groups(project)).toEqual([]);
    expect(await control.calls(project)).toEqual([
      {
        method: 'POST',
        operation: 'create',
        notification_key_name: 'user-1',
        registration_ids_count: 1,
        status: null,
        fault: 'timeout',
      },
    ]);
    await createGroup(project, 'user-1', ['t1']);
  });

  test('close drops the connection without an answer', async () => {
    const project = newProject();
    await control.injectFault({mode: 'close', project});
    await expect(post(project, create('user-1'))).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
    });
    expect(await control.groups(project)).toEqual([]);
    expect(
      (await control.calls(project)).map(c => [c.status, c.fault]),
    ).toEqual([[null, 'close']]);
    await createGroup(project, 'user-1', ['t1']);
  });

  test('afterApply http500 applies the create, so a retry finds the group already there', async () => {
    const project = newProject();
    await control.injectFault({mode: 'http500', project, afterApply: true});
    expect(await post(project, create('user-1'))).toEqual({
      status: 500,
      body: {error: {code: 500, message: 'Internal error', status: 'INTERNAL'}},
    });
    const [created] = await control.groups(project);
    expect(created).toEqual(
      group('user-1', expect.stringMatching(KEY_PATTERN) as unknown as string, [
        't1',
      ]),
    );
    expect(await post(project, create('user-1'))).toEqual({
      status: 400,
      body: {error: 'notification_key already exists'},
    });
  });

  test('afterApply close applies the add and then drops the connection', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1']);
    await control.injectFault({mode: 'close', project, afterApply: true});
    const add = {
      operation: 'add',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ['t2'],
    };
    await expect(post(project, add)).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
    });
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1', 't2']),
    ]);
  });

  test('afterApply timeout applies the remove and never answers', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1', 't2']);
    await control.injectFault({mode: 'timeout', project, afterApply: true});
    const remove = {
      operation: 'remove',
      notification_key_name: 'user-1',
      notification_key: key,
      registration_ids: ['t2'],
    };
    await expect(
      post(project, remove, {signal: AbortSignal.timeout(300)}),
    ).rejects.toMatchObject({name: 'TimeoutError'});
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1']),
    ]);
  });

  test('clearing faults lets the next call through', async () => {
    const project = newProject();
    await control.injectFault({mode: 'http500', count: 5, project});
    await control.clearFaults();
    expect(await control.faults()).toEqual([]);
    await createGroup(project, 'user-1', ['t1']);
  });

  test('close() finishes while a timeout fault holds a request open', async () => {
    const own = await startFcmEmulator({port: 0});
    await fcmControl(own.url).injectFault({mode: 'timeout'});
    const held = post('held', create('user-1'), {url: own.url});
    // Wait until the request has reached the emulator, so close() has a socket to drop.
    while ((await fcmControl(own.url).calls('held')).length === 0)
      await new Promise(r => setTimeout(r, 10));
    await own.close();
    await expect(held).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
    });
  });

  test.each([
    [
      'an unknown mode',
      {mode: 'boom'},
      'mode must be one of http500, http503, http400, timeout, close',
    ],
    [
      'a zero count',
      {mode: 'http500', count: 0},
      'count must be a positive integer',
    ],
    [
      'a fractional count',
      {mode: 'http500', count: 1.5},
      'count must be a positive integer',
    ],
    [
      'a string count',
      {mode: 'http500', count: '2'},
      'count must be a positive integer',
    ],
    [
      'an empty project',
      {mode: 'http500', project: ''},
      'project must be a non-empty string',
    ],
    [
      'an error text with http500',
      {mode: 'http500', error: 'x'},
      'error must be a non-empty string and is only allowed with mode http400',
    ],
    [
      'a non-boolean afterApply',
      {mode: 'close', afterApply: 'yes'},
      'afterApply must be a boolean',
    ],
    ['an array', [], 'fault must be a JSON object'],
  ])(
    'POST /emulator/faults rejects %s with 400 and queues nothing',
    async (_, body, error) => {
      const res = await fetch(`${emulator.url}/emulator/faults`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify(body),
      });
      expect({status: res.status, body: await res.json()}).toEqual({
        status: 400,
        body: {error},
      });
      expect(await control.faults()).toEqual([]);
    },
  );
});

describe('control endpoints', () => {
  test('GET groups lists groups sorted by name with sorted members', async () => {
    const project = newProject();
    const zed = await createGroup(project, 'zed', ['b', 'a']);
    const amy = await createGroup(project, 'amy', ['c']);
    const res = await fetch(
      `${emulator.url}/emulator/projects/${project}/groups`,
    );
    expect({status: res.status, body: await res.json()}).toEqual({
      status: 200,
      body: {groups: [group('amy', amy, ['c']), group('zed', zed, ['a', 'b'])]},
    });
  });

  test('a project id is a path segment, URL-encoded', async () => {
    const project = 'my sender/1';
    const key = await createGroup(project, 'user-1', ['t1']);
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1']),
    ]);
    await control.reset(project);
  });

  test('GET calls logs every call of the project, answered or rejected', async () => {
    const project = newProject();
    expect(await control.calls(project)).toEqual([]);
    const key = await createGroup(project, 'user-1', ['t1', 't2']);
    await post(project, {
      operation: 'add',
      notification_key_name: 'user-1',
      notification_key: 'APA91bNope',
      registration_ids: ['t3'],
    });
    await retrieve(project, 'user-1');
    await post(
      project,
      {operation: 'remove'},
      {headers: {Authorization: undefined}},
    );
    await post(project, undefined, {raw: 'not json'});

    const res = await fetch(
      `${emulator.url}/emulator/projects/${project}/calls`,
    );
    const call = (
      method: string,
      operation: string | null,
      name: string | null,
      count: number,
      status: number,
    ) => ({
      method,
      operation,
      notification_key_name: name,
      registration_ids_count: count,
      status,
      fault: null,
    });
    expect({status: res.status, body: await res.json()}).toEqual({
      status: 200,
      body: {
        count: 5,
        calls: [
          call('POST', 'create', 'user-1', 2, 200),
          call('POST', 'add', 'user-1', 1, 400),
          call('GET', 'get', 'user-1', 0, 200),
          call('POST', 'remove', null, 0, 401),
          call('POST', null, null, 0, 400),
        ],
      },
    });
    expect(key).toMatch(KEY_PATTERN);
  });

  test('DELETE calls clears the log but keeps the groups', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['t1']);
    const res = await fetch(
      `${emulator.url}/emulator/projects/${project}/calls`,
      {method: 'DELETE'},
    );
    expect({status: res.status, body: await res.json()}).toEqual({
      status: 200,
      body: {},
    });
    expect(await control.calls(project)).toEqual([]);
    expect(await control.groups(project)).toEqual([
      group('user-1', key, ['t1']),
    ]);
  });

  test('DELETE project groups resets that project only, calls included', async () => {
    const [a, b] = [newProject(), newProject()];
    await createGroup(a, 'user-1', ['t1']);
    const keyB = await createGroup(b, 'user-1', ['t1']);
    const res = await fetch(`${emulator.url}/emulator/projects/${a}/groups`, {
      method: 'DELETE',
    });
    expect({status: res.status, body: await res.json()}).toEqual({
      status: 200,
      body: {},
    });
    expect(await control.groups(a)).toEqual([]);
    expect(await control.calls(a)).toEqual([]);
    expect(await control.groups(b)).toEqual([group('user-1', keyB, ['t1'])]);
    expect(await control.calls(b)).toHaveLength(1);
    await createGroup(a, 'user-1', ['t1']);
  });

  test('DELETE /emulator/groups resets every project', async () => {
    const [a, b] = [newProject(), newProject()];
    await createGroup(a, 'user-1', ['t1']);
    await createGroup(b, 'user-1', ['t1']);
    const res = await fetch(`${emulator.url}/emulator/groups`, {
      method: 'DELETE',
    });
    expect({status: res.status, body: await res.json()}).toEqual({
      status: 200,
      body: {},
    });
    for (const project of [a, b]) {
      expect(await control.groups(project)).toEqual([]);
      expect(await control.calls(project)).toEqual([]);
    }
  });

  test('the log option receives one JSON line per call, without the token', async () => {
    const lines: string[] = [];
    const own = await startFcmEmulator({log: line => lines.push(line)});
    try {
      await post(
        'logged',
        {
          operation: 'create',
          notification_key_name: 'user-1',
          registration_ids: ['t1'],
        },
        {url: own.url},
      );
      expect(lines.map(line => JSON.parse(line) as unknown)).toEqual([
        {
          severity: 'INFO',
          message: 'fcm call',
          project: 'logged',
          method: 'POST',
          operation: 'create',
          notification_key_name: 'user-1',
          registration_ids_count: 1,
          status: 200,
          fault: null,
        },
      ]);
      expect(lines.join('')).not.toContain('ya29');
    } finally {
      await own.close();
    }
  });
});

describe('command line', () => {
  test.each([
    [[], {port: 9099, host: '127.0.0.1'}],
    [['--port', '0'], {port: 0, host: '127.0.0.1'}],
    [['--port=8081', '--host', '0.0.0.0'], {port: 8081, host: '0.0.0.0'}],
  ])('parses %j', (argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected);
  });

  test.each([
    [['--port', 'abc'], '--port must be an integer from 0 to 65535, got "abc"'],
    [
      ['--port', '70000'],
      '--port must be an integer from 0 to 65535, got "70000"',
    ],
    [['--port'], '--port needs a value'],
    [
      ['--verbose', 'x'],
      'unknown option --verbose; usage: main.js [--port 9099] [--host 127.0.0.1]',
    ],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('clearing faults of one project', () => {
  it("leaves the other projects' faults pending", async () => {
    const [a, b] = [newProject(), newProject()];
    await control.injectFault({mode: 'http500', project: a});
    await control.injectFault({mode: 'http503', project: b});
    await control.clearFaults(a);
    expect(await control.faults()).toEqual([
      {mode: 'http503', count: 1, project: b, afterApply: false, remaining: 1},
    ]);
  });
});
