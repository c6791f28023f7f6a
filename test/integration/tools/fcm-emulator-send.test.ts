import {
  fcmControl,
  type FcmControl,
  type FcmErrorCode,
} from '../../../tools/fcm-emulator/control';
import {
  startFcmEmulator,
  type FcmEmulator,
} from '../../../tools/fcm-emulator/server';

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';
const NAME = (project: string) =>
  new RegExp(`^projects/${project}/messages/0:\\d+%[0-9a-f]{16}$`);

let emulator: FcmEmulator;
let control: FcmControl;
let projectCount = 0;

beforeAll(async () => {
  emulator = await startFcmEmulator({port: 0});
  control = fcmControl(emulator.url);
});

afterAll(() => emulator.close());

/** Every test gets its own project, so deliveries and faults never leak between tests. */
function newProject(): string {
  projectCount += 1;
  return `send-project-${projectCount}`;
}

interface Answer {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

async function send(
  project: string,
  body: unknown,
  opts: {raw?: string; headers?: Record<string, string>; method?: string} = {},
): Promise<Answer> {
  const res = await fetch(
    `${emulator.url}/v1/projects/${encodeURIComponent(project)}/messages:send`,
    {
      method: opts.method ?? 'POST',
      headers: opts.headers ?? {
        'Content-Type': 'application/json',
        Authorization: 'Bearer ya29.test-token',
      },
      body:
        opts.method === 'GET' ? undefined : (opts.raw ?? JSON.stringify(body)),
    },
  );
  return {
    status: res.status,
    body: (await res.json()) as unknown,
    retryAfter: res.headers.get('retry-after'),
  };
}

/** Creates a device group through the legacy API, as our backend does; answers its key. */
async function createGroup(
  project: string,
  name: string,
  ids: string[],
): Promise<string> {
  const res = await fetch(`${emulator.url}/fcm/notification`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer ya29.test-token',
      project_id: project,
      access_token_auth: 'true',
    },
    body: JSON.stringify({
      operation: 'create',
      notification_key_name: name,
      registration_ids: ids,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as {notification_key: string}).notification_key;
}

/** FCM's answer to a send whose target it does not know. */
const UNREGISTERED = {
  status: 404,
  body: {
    error: {
      code: 404,
      message: 'Requested entity was not found.',
      status: 'NOT_FOUND',
      details: [{'@type': FCM_ERROR, errorCode: 'UNREGISTERED'}],
    },
  },
  retryAfter: null,
};

function badRequest(
  message: string,
  field?: string,
  withFcmError = false,
): unknown {
  const violation =
    field === undefined
      ? {description: message}
      : {field, description: message};
  const details: unknown[] = [
    {'@type': BAD_REQUEST, fieldViolations: [violation]},
  ];
  if (withFcmError)
    details.push({'@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT'});
  return {error: {code: 400, message, status: 'INVALID_ARGUMENT', details}};
}

describe('delivery', () => {
  test('a send to a registration token answers a message name and records one delivery', async () => {
    const project = newProject();
    const before = Date.now();
    const message = {
      token: 'device-a',
      data: {kind: 'ping', n: '1'},
      notification: {title: 'Hi', body: 'there'},
      android: {priority: 'high'},
    };
    const answer = await send(project, {message});
    expect(answer.status).toBe(200);
    const {name} = answer.body as {name: string};
    expect(name).toMatch(NAME(project));
    const deliveries = await control.deliveries(project);
    expect(deliveries).toEqual([
      {
        project,
        token: 'device-a',
        notification_key: null,
        message: {
          data: {kind: 'ping', n: '1'},
          notification: {title: 'Hi', body: 'there'},
          android: {priority: 'high'},
        },
        name,
        time: expect.any(String),
      },
    ]);
    const time = Date.parse(deliveries[0]!.time);
    expect(time).toBeGreaterThanOrEqual(before - 1000);
    expect(time).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test('every send gets its own name', async () => {
    const project = newProject();
    const a = await send(project, {message: {token: 't'}});
    const b = await send(project, {message: {token: 't'}});
    expect((a.body as {name: string}).name).not.toBe(
      (b.body as {name: string}).name,
    );
    expect(await control.deliveries(project)).toHaveLength(2);
  });

  test("a send to a notification key delivers to every member of the project's group", async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['m-2', 'm-1', 'm-3']);
    const answer = await send(project, {
      message: {token: key, data: {x: 'y'}},
    });
    expect(answer.status).toBe(200);
    const {name} = answer.body as {name: string};
    const deliveries = await control.deliveries(project);
    expect(deliveries.map(d => [d.token, d.notification_key, d.name])).toEqual([
      ['m-1', key, name],
      ['m-2', key, name],
      ['m-3', key, name],
    ]);
    for (const d of deliveries) expect(d.message).toEqual({data: {x: 'y'}});
  });

  test('the groups of another project are not visible: its key is an unknown target there', async () => {
    const [owner, other] = [newProject(), newProject()];
    const key = await createGroup(owner, 'user-1', ['m-1', 'm-2']);
    expect(await send(other, {message: {token: key}})).toEqual(UNREGISTERED);
    expect(await control.deliveries(other)).toEqual([]);
    expect(await control.deliveries(owner)).toEqual([]);
  });

  test('a send to the key of a group that is gone answers UNREGISTERED, as FCM answers an unknown target, and delivers nothing', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['m-1']);
    const removed = await fetch(`${emulator.url}/fcm/notification`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer ya29.test-token',
        project_id: project,
        access_token_auth: 'true',
      },
      body: JSON.stringify({
        operation: 'remove',
        notification_key_name: 'user-1',
        notification_key: key,
        registration_ids: ['m-1'],
      }),
    });
    expect(removed.status).toBe(200);
    expect(await send(project, {message: {token: key}})).toEqual(UNREGISTERED);
    // A dry run reports it too, as it reports a dead token.
    expect(
      await send(project, {message: {token: key}, validate_only: true}),
    ).toEqual(UNREGISTERED);
    expect(await control.deliveries(project)).toEqual([]);
  });

  test('a key-shaped target no group ever had is unknown too; a token of another shape is delivered', async () => {
    const project = newProject();
    const keyShaped = `APA91b${'k'.repeat(134)}`;
    expect(await send(project, {message: {token: keyShaped}})).toEqual(
      UNREGISTERED,
    );
    const token = `fIAe0YS9S1:APA91b${'t'.repeat(134)}`;
    expect((await send(project, {message: {token}})).status).toBe(200);
    expect((await control.deliveries(project)).map(d => d.token)).toEqual([
      token,
    ]);
  });

  test('validate_only answers the fixed dry-run name and delivers nothing', async () => {
    const project = newProject();
    for (const flag of ['validate_only', 'validateOnly']) {
      const answer = await send(project, {
        message: {token: 't'},
        [flag]: true,
      });
      expect(answer).toEqual({
        status: 200,
        body: {name: `projects/${project}/messages/fake_message_id`},
        retryAfter: null,
      });
    }
    expect(await control.deliveries(project)).toEqual([]);
  });

  test.each([[{topic: 'news'}], [{condition: "'news' in topics"}]])(
    'a send to %j is accepted and delivered to no one',
    async target => {
      const project = newProject();
      const answer = await send(project, {message: target});
      expect(answer.status).toBe(200);
      expect((answer.body as {name: string}).name).toMatch(NAME(project));
      expect(await control.deliveries(project)).toEqual([]);
    },
  );
});

describe('validation', () => {
  test.each<[string, unknown, unknown]>([
    [
      'no target',
      {message: {data: {a: 'b'}}},
      badRequest('Recipient of the message is not set.', 'message', true),
    ],
    [
      'no message at all',
      {},
      badRequest('Recipient of the message is not set.', 'message', true),
    ],
    [
      'an empty token',
      {message: {token: ''}},
      badRequest('Recipient of the message is not set.', 'message', true),
    ],
    [
      'two targets',
      {message: {token: 't', topic: 'news'}},
      badRequest(
        "Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set 'topic'",
        'message',
      ),
    ],
    [
      'three targets',
      {message: {token: 't', topic: 'news', condition: 'c'}},
      badRequest(
        "Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set 'topic'",
        'message',
      ),
    ],
    [
      'a token that is not a string',
      {message: {token: 12}},
      badRequest(
        "Invalid value at 'message.token' (TYPE_STRING), 12",
        'message.token',
      ),
    ],
    [
      'a data value that is not a string',
      {message: {token: 't', data: {a: 'b', n: 12}}},
      badRequest(
        "Invalid value at 'message.data[1].value' (TYPE_STRING), 12",
        'message.data[1].value',
      ),
    ],
    [
      'data that is not an object',
      {message: {token: 't', data: ['a']}},
      badRequest(
        'Invalid value at \'message.data\' (type.googleapis.com/google.firebase.fcm.v1.Message.DataEntry), ["a"]',
        'message.data',
      ),
    ],
    [
      'an unknown message field',
      {message: {token: 't', priority: 'high'}},
      badRequest(
        'Invalid JSON payload received. Unknown name "priority" at \'message\': Cannot find field.',
        'message',
      ),
    ],
    [
      'an unknown top-level field',
      {message: {token: 't'}, dry_run: true},
      badRequest(
        'Invalid JSON payload received. Unknown name "dry_run": Cannot find field.',
      ),
    ],
    [
      'validate_only that is not a boolean',
      {message: {token: 't'}, validate_only: 'yes'},
      badRequest(
        'Invalid value at \'validate_only\' (TYPE_BOOL), "yes"',
        'validate_only',
      ),
    ],
    [
      'a message that is not an object',
      {message: 'hello'},
      badRequest(
        'Invalid value at \'message\' (type.googleapis.com/google.firebase.fcm.v1.Message), "hello"',
        'message',
      ),
    ],
    [
      'a body that is not an object',
      [],
      badRequest(
        'Invalid JSON payload received. Root element must be a message.',
      ),
    ],
  ])('rejects %s with 400 INVALID_ARGUMENT', async (_, body, expected) => {
    const project = newProject();
    const answer = await send(project, body);
    expect(answer).toEqual({status: 400, body: expected, retryAfter: null});
    expect(await control.deliveries(project)).toEqual([]);
  });

  test('accepts every known message field, in both spellings of fcm_options', async () => {
    const project = newProject();
    const answer = await send(project, {
      message: {
        name: 'ignored',
        token: 't',
        data: {},
        notification: {},
        android: {},
        webpush: {},
        apns: {},
        fcm_options: {analytics_label: 'a'},
        fcmOptions: {analyticsLabel: 'a'},
      },
    });
    expect(answer.status).toBe(200);
  });

  test('rejects malformed JSON', async () => {
    const answer = await send(newProject(), undefined, {raw: '{"message":'});
    expect(answer).toEqual({
      status: 400,
      body: badRequest('Invalid JSON payload received. Unexpected token.'),
      retryAfter: null,
    });
  });

  test('rejects a send without a bearer token with 401 UNAUTHENTICATED', async () => {
    const project = newProject();
    const answer = await send(
      project,
      {message: {token: 't'}},
      {headers: {'Content-Type': 'application/json'}},
    );
    expect(answer).toEqual({
      status: 401,
      body: {
        error: {
          code: 401,
          message:
            'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          status: 'UNAUTHENTICATED',
        },
      },
      retryAfter: null,
    });
    expect(await control.deliveries(project)).toEqual([]);
  });

  test('answers 405 to a method other than POST', async () => {
    const answer = await send(newProject(), undefined, {method: 'GET'});
    expect(answer).toEqual({
      status: 405,
      body: {error: 'method not allowed'},
      retryAfter: null,
    });
  });
});

describe('send faults', () => {
  test.each<
    [FcmErrorCode, number | undefined, number, string, string, string | null]
  >([
    [
      'UNREGISTERED',
      undefined,
      404,
      'NOT_FOUND',
      'Requested entity was not found.',
      null,
    ],
    [
      'INVALID_ARGUMENT',
      undefined,
      400,
      'INVALID_ARGUMENT',
      'The registration token is not a valid FCM registration token',
      null,
    ],
    [
      'SENDER_ID_MISMATCH',
      undefined,
      403,
      'PERMISSION_DENIED',
      'SenderId mismatch',
      null,
    ],
    [
      'QUOTA_EXCEEDED',
      undefined,
      429,
      'RESOURCE_EXHAUSTED',
      'Quota exceeded for sending messages to this device.',
      '60',
    ],
    [
      'QUOTA_EXCEEDED',
      7,
      429,
      'RESOURCE_EXHAUSTED',
      'Quota exceeded for sending messages to this device.',
      '7',
    ],
    [
      'UNAVAILABLE',
      undefined,
      503,
      'UNAVAILABLE',
      'The service is currently unavailable.',
      null,
    ],
    [
      'UNAVAILABLE',
      30,
      503,
      'UNAVAILABLE',
      'The service is currently unavailable.',
      '30',
    ],
    [
      'INTERNAL',
      undefined,
      500,
      'INTERNAL',
      'Internal error encountered.',
      null,
    ],
  ])(
    '%s (retryAfterSeconds %p) answers %d %s in the v1 error shape',
    async (errorCode, retryAfterSeconds, code, status, message, retryAfter) => {
      const project = newProject();
      await control.injectSendFault(project, {
        token: 'dead',
        error: errorCode,
        ...(retryAfterSeconds === undefined ? {} : {retryAfterSeconds}),
      });
      const answer = await send(project, {message: {token: 'dead'}});
      expect(answer).toEqual({
        status: code,
        body: {
          error: {
            code,
            message,
            status,
            details: [{'@type': FCM_ERROR, errorCode}],
          },
        },
        retryAfter,
      });
      expect(await control.deliveries(project)).toEqual([]);
    },
  );

  test('a fault without count fails every send to its token until cleared; other tokens are delivered', async () => {
    const project = newProject();
    const fault = await control.injectSendFault(project, {
      token: 'dead',
      error: 'UNREGISTERED',
    });
    expect(fault).toEqual({
      token: 'dead',
      error: 'UNREGISTERED',
      count: null,
      remaining: null,
    });
    for (let i = 0; i < 3; i += 1)
      expect((await send(project, {message: {token: 'dead'}})).status).toBe(
        404,
      );
    expect((await send(project, {message: {token: 'alive'}})).status).toBe(200);
    expect(await control.sendFaults(project)).toEqual([fault]);
    await control.clearSendFaults(project);
    expect(await control.sendFaults(project)).toEqual([]);
    expect((await send(project, {message: {token: 'dead'}})).status).toBe(200);
    expect((await control.deliveries(project)).map(d => d.token)).toEqual([
      'alive',
      'dead',
    ]);
  });

  test('a fault with count fails that many sends, then the token is delivered again', async () => {
    const project = newProject();
    await control.injectSendFault(project, {
      token: 't',
      error: 'UNAVAILABLE',
      count: 2,
      retryAfterSeconds: 1,
    });
    expect((await send(project, {message: {token: 't'}})).status).toBe(503);
    expect(await control.sendFaults(project)).toEqual([
      {
        token: 't',
        error: 'UNAVAILABLE',
        count: 2,
        retryAfterSeconds: 1,
        remaining: 1,
      },
    ]);
    expect((await send(project, {message: {token: 't'}})).status).toBe(503);
    expect(await control.sendFaults(project)).toEqual([]);
    expect((await send(project, {message: {token: 't'}})).status).toBe(200);
  });

  test('faults of one token are consumed oldest first', async () => {
    const project = newProject();
    await control.injectSendFault(project, {
      token: 't',
      error: 'INTERNAL',
      count: 1,
    });
    await control.injectSendFault(project, {
      token: 't',
      error: 'UNREGISTERED',
      count: 1,
    });
    expect((await send(project, {message: {token: 't'}})).status).toBe(500);
    expect((await send(project, {message: {token: 't'}})).status).toBe(404);
    expect((await send(project, {message: {token: 't'}})).status).toBe(200);
  });

  test('a fault answers a validate_only send too, as FCM reports a dead token on a dry run', async () => {
    const project = newProject();
    await control.injectSendFault(project, {token: 't', error: 'UNREGISTERED'});
    const answer = await send(project, {
      message: {token: 't'},
      validate_only: true,
    });
    expect(answer.status).toBe(404);
  });

  test('an invalid message is rejected before a fault is consumed', async () => {
    const project = newProject();
    await control.injectSendFault(project, {
      token: 't',
      error: 'INTERNAL',
      count: 1,
    });
    expect(
      (await send(project, {message: {token: 't', bogus: 1}})).status,
    ).toBe(400);
    expect(await control.sendFaults(project)).toHaveLength(1);
  });

  test('a fault on a notification key fails the group send and delivers to no member', async () => {
    const project = newProject();
    const key = await createGroup(project, 'user-1', ['m-1', 'm-2']);
    await control.injectSendFault(project, {
      token: key,
      error: 'INTERNAL',
      count: 1,
    });
    expect((await send(project, {message: {token: key}})).status).toBe(500);
    expect(await control.deliveries(project)).toEqual([]);
    expect((await send(project, {message: {token: key}})).status).toBe(200);
    expect(await control.deliveries(project)).toHaveLength(2);
  });

  test("a fault of one project leaves another project's sends alone", async () => {
    const [a, b] = [newProject(), newProject()];
    await control.injectSendFault(a, {token: 't', error: 'UNREGISTERED'});
    expect((await send(b, {message: {token: 't'}})).status).toBe(200);
    expect((await send(a, {message: {token: 't'}})).status).toBe(404);
  });

  test.each<[unknown, string]>([
    [{error: 'UNREGISTERED'}, 'token must be a non-empty string'],
    [
      {token: 't', error: 'NOT_A_CODE'},
      'error must be one of UNREGISTERED, INVALID_ARGUMENT, SENDER_ID_MISMATCH, QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL',
    ],
    [
      {token: 't', error: 'INTERNAL', count: 0},
      'count must be a positive integer',
    ],
    [
      {token: 't', error: 'UNREGISTERED', retryAfterSeconds: 5},
      'retryAfterSeconds is only allowed with UNAVAILABLE or QUOTA_EXCEEDED',
    ],
    [
      {token: 't', error: 'UNAVAILABLE', retryAfterSeconds: -1},
      'retryAfterSeconds must be a non-negative integer',
    ],
    [{token: 't', error: 'INTERNAL', times: 2}, 'unknown field times'],
  ])('rejects the send fault %j with 400', async (body, error) => {
    const project = newProject();
    const res = await fetch(
      `${emulator.url}/emulator/projects/${project}/send-faults`,
      {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify(body),
      },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({error});
    expect(await control.sendFaults(project)).toEqual([]);
  });
});

describe('send fault rate', () => {
  test('fails one send in oneIn of the project, whatever the token, for durationMs; then delivers all again', async () => {
    const project = newProject();
    const rate = await control.setSendFaultRate(project, {
      error: 'QUOTA_EXCEEDED',
      oneIn: 10,
      durationMs: 1500,
      retryAfterSeconds: 0,
    });
    expect(rate).toEqual({
      error: 'QUOTA_EXCEEDED',
      oneIn: 10,
      durationMs: 1500,
      retryAfterSeconds: 0,
      until: expect.any(String),
      seen: 0,
      failed: 0,
    });
    const answers: Answer[] = [];
    for (let i = 0; i < 30; i += 1)
      answers.push(await send(project, {message: {token: `t-${i}`}}));
    expect(answers.map(a => a.status)).toEqual(
      Array.from({length: 30}, (_, i) => ((i + 1) % 10 === 0 ? 429 : 200)),
    );
    expect(answers[9]).toEqual({
      status: 429,
      body: {
        error: {
          code: 429,
          message: 'Quota exceeded for sending messages to this device.',
          status: 'RESOURCE_EXHAUSTED',
          details: [{'@type': FCM_ERROR, errorCode: 'QUOTA_EXCEEDED'}],
        },
      },
      retryAfter: '0',
    });
    expect((await control.deliveries(project)).map(d => d.token)).toEqual(
      answers.flatMap((a, i) => (a.status === 200 ? [`t-${i}`] : [])),
    );
    expect(await control.sendFaultRate(project)).toMatchObject({
      seen: 30,
      failed: 3,
    });
    await new Promise(resolve => setTimeout(resolve, 1600));
    expect(await control.sendFaultRate(project)).toBeNull();
    for (let i = 0; i < 10; i += 1)
      expect((await send(project, {message: {token: 'after'}})).status).toBe(
        200,
      );
  });

  test('lasts until cleared without durationMs, gives QUOTA_EXCEEDED its default Retry-After, and leaves other projects alone', async () => {
    const [project, other] = [newProject(), newProject()];
    await control.setSendFaultRate(project, {
      error: 'QUOTA_EXCEEDED',
      oneIn: 1,
    });
    const answer = await send(project, {message: {token: 't'}});
    expect([answer.status, answer.retryAfter]).toEqual([429, '60']);
    expect((await send(other, {message: {token: 't'}})).status).toBe(200);
    await control.clearSendFaultRate(project);
    expect(await control.sendFaultRate(project)).toBeNull();
    expect((await send(project, {message: {token: 't'}})).status).toBe(200);
  });

  test.each<[unknown, string]>([
    [{error: 'QUOTA_EXCEEDED'}, 'oneIn must be a positive integer'],
    [
      {error: 'NOPE', oneIn: 2},
      expect.stringMatching(/^error must be one of /) as unknown as string,
    ],
    [
      {error: 'INTERNAL', oneIn: 2, durationMs: 0},
      'durationMs must be a positive integer',
    ],
    [
      {error: 'INTERNAL', oneIn: 2, retryAfterSeconds: 1},
      'retryAfterSeconds is only allowed with UNAVAILABLE or QUOTA_EXCEEDED',
    ],
    [{error: 'INTERNAL', oneIn: 2, every: 3}, 'unknown field every'],
  ])('rejects the rate %j with 400', async (body, error) => {
    const project = newProject();
    const res = await fetch(
      `${emulator.url}/emulator/projects/${project}/send-fault-rate`,
      {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify(body),
      },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({error});
    expect(await control.sendFaultRate(project)).toBeNull();
  });
});

describe('resetting deliveries', () => {
  test('DELETE deliveries clears one project only', async () => {
    const [a, b] = [newProject(), newProject()];
    await send(a, {message: {token: 't'}});
    await send(b, {message: {token: 't'}});
    await control.clearDeliveries(a);
    expect(await control.deliveries(a)).toEqual([]);
    expect(await control.deliveries(b)).toHaveLength(1);
  });

  test('GET deliveries answers a count', async () => {
    const project = newProject();
    await send(project, {message: {token: 't'}});
    const res = await fetch(
      `${emulator.url}/emulator/projects/${project}/deliveries`,
    );
    expect(((await res.json()) as {count: number}).count).toBe(1);
  });

  test('the project reset clears its deliveries and groups but keeps its send faults', async () => {
    const project = newProject();
    await createGroup(project, 'user-1', ['m-1']);
    await send(project, {message: {token: 't'}});
    await control.injectSendFault(project, {
      token: 'dead',
      error: 'UNREGISTERED',
    });
    await control.reset(project);
    expect(await control.deliveries(project)).toEqual([]);
    expect(await control.groups(project)).toEqual([]);
    expect(await control.sendFaults(project)).toHaveLength(1);
  });

  test('the global reset clears the deliveries of every project', async () => {
    const own = await startFcmEmulator({port: 0});
    try {
      const ownControl = fcmControl(own.url);
      for (const project of ['a', 'b'])
        await fetch(`${own.url}/v1/projects/${project}/messages:send`, {
          method: 'POST',
          headers: {Authorization: 'Bearer x'},
          body: JSON.stringify({message: {token: 't'}}),
        });
      expect(await ownControl.deliveries('a')).toHaveLength(1);
      await ownControl.reset();
      expect(await ownControl.deliveries('a')).toEqual([]);
      expect(await ownControl.deliveries('b')).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe('saved state', () => {
  test('an emulator started with the state of another has its groups, keys and deliveries', async () => {
    const first = await startFcmEmulator({port: 0});
    let second: FcmEmulator | undefined;
    try {
      const project = newProject();
      const res = await fetch(`${first.url}/fcm/notification`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: 'Bearer x',
          project_id: project,
          access_token_auth: 'true',
        },
        body: JSON.stringify({
          operation: 'create',
          notification_key_name: 'user-1',
          registration_ids: ['m-1', 'm-2'],
        }),
      });
      const {notification_key: key} = (await res.json()) as {
        notification_key: string;
      };
      await fetch(`${first.url}/v1/projects/${project}/messages:send`, {
        method: 'POST',
        headers: {Authorization: 'Bearer x'},
        body: JSON.stringify({message: {token: key, data: {n: '1'}}}),
      });
      const saved = JSON.parse(JSON.stringify(first.state())) as ReturnType<
        FcmEmulator['state']
      >;
      expect(saved.issued_keys).toEqual([key]);
      await first.close();

      second = await startFcmEmulator({port: 0, state: saved});
      const restored = fcmControl(second.url);
      expect(await restored.groups(project)).toEqual([
        {
          notification_key_name: 'user-1',
          notification_key: key,
          registration_ids: ['m-1', 'm-2'],
        },
      ]);
      expect(
        (await restored.deliveries(project)).map(d => [
          d.token,
          d.notification_key,
        ]),
      ).toEqual([
        ['m-1', key],
        ['m-2', key],
      ]);
      // The key still names the group: a send after the restart reaches its members.
      const sent = await fetch(
        `${second.url}/v1/projects/${project}/messages:send`,
        {
          method: 'POST',
          headers: {Authorization: 'Bearer x'},
          body: JSON.stringify({message: {token: key}}),
        },
      );
      expect(sent.status).toBe(200);
      expect(await restored.deliveries(project)).toHaveLength(4);
      expect(second.state()).toMatchObject({
        version: 1,
        issued_keys: [key],
      });
    } finally {
      await first.close();
      await second?.close();
    }
  });
});

test('the log option receives one line per send, without the token', async () => {
  const lines: string[] = [];
  const own = await startFcmEmulator({port: 0, log: line => lines.push(line)});
  try {
    await fetch(`${own.url}/v1/projects/p/messages:send`, {
      method: 'POST',
      headers: {Authorization: 'Bearer ya29.secret'},
      body: JSON.stringify({message: {token: 'device-secret-token'}}),
    });
    expect(lines.map(l => JSON.parse(l) as unknown)).toEqual([
      {
        severity: 'INFO',
        message: 'fcm send',
        project: 'p',
        target: 'token',
        status: 200,
        fault: null,
        delivered: 1,
      },
    ]);
    expect(lines.join('')).not.toContain('secret');
  } finally {
    await own.close();
  }
});
