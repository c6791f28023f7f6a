/**
 * Who may send: a Google-signed OIDC token for the function URL, of a verified account on
 * the allow-list. Tokens are signed by a local RSA key the verifier trusts.
 */
import {generateKeyPairSync} from 'node:crypto';
import {describeWithFirestore, uniqueProjectId} from '../../support/emulators';
import {
  OTHER_SENDER,
  idToken,
  startNotifyStack,
  type NotifyStack,
} from './notify-stack';

const MESSAGE = {notification: {title: 'Hi'}};
const MISSING = {message: 'Request did not contain a valid HTTP header.'};
const NOT_ALLOWED = {
  message: 'Request did not come from an allowed service account.',
};
const strangerKey = generateKeyPairSync('rsa', {modulusLength: 2048});

describeWithFirestore('notifyUser OIDC allow-list', () => {
  const projectId = uniqueProjectId();
  let stack: NotifyStack;
  let closed: NotifyStack;

  beforeAll(async () => {
    stack = await startNotifyStack(projectId);
    // No allow-list at all: the function must refuse everything.
    closed = await startNotifyStack(projectId, {
      NOTIFY_OIDC_AUDIENCE: '',
      NOTIFY_SERVICE_ACCOUNTS: '',
    });
    await stack.seedUser('1');
  });
  afterAll(async () => {
    await stack.close();
    await closed.close();
  });

  const bearer = (token: string) => ({Authorization: `Bearer ${token}`});

  it('refuses every request when no allow-list is configured (fails closed)', async () => {
    const reply = await closed.notify('1', MESSAGE);
    expect(reply).toMatchObject({status: 500, body: {message: 'Server Error'}});
    expect(closed.logs).toContainEqual(
      expect.objectContaining({
        severity: 'ERROR',
        message: expect.stringContaining('no allow-list is configured'),
      }),
    );
  });

  it.each([
    ['no Authorization header', {Authorization: ''}],
    ['a Basic header', {Authorization: 'Basic dTpw'}],
    [
      'a token for another audience',
      bearer(idToken({aud: 'https://example.com/other'})),
    ],
    [
      'an expired token',
      bearer(idToken({exp: Math.floor(Date.now() / 1000) - 600})),
    ],
    [
      'a token of another issuer',
      bearer(idToken({iss: 'https://evil.example.com'})),
    ],
    [
      'a token signed by another key',
      bearer(idToken({}, strangerKey.privateKey)),
    ],
  ])('answers 401 to %s', async (_name, headers) => {
    const reply = await stack.notify('1', MESSAGE, headers);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(MISSING);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  });

  it.each([
    [
      'an account not on the list',
      {email: 'intruder@p1.iam.gserviceaccount.com'},
    ],
    ['an unverified email', {email_verified: false}],
    ['a token without email', {email: undefined}],
  ])('answers 403 to a valid token of %s', async (_name, claims) => {
    const reply = await stack.notify('1', MESSAGE, bearer(idToken(claims)));
    expect(reply).toMatchObject({status: 403, body: NOT_ALLOWED});
  });

  it.each([
    ['the first account', {}],
    ['another account on the list', {email: OTHER_SENDER}],
  ])('answers 200 to %s', async (_name, claims) => {
    const reply = await stack.notify('1', MESSAGE, bearer(idToken(claims)));
    expect(reply).toMatchObject({
      status: 200,
      body: {sent: 0, failed: 0, removed: 0, results: []},
    });
  });

  it('checks the caller before the body', async () => {
    const reply = await stack.notify('1', {token: 'x'}, {Authorization: ''});
    expect(reply.status).toBe(401);
  });

  it.each([
    [
      {token: 'abc', notification: {title: 'x'}},
      {token: ['The token field is prohibited.']},
    ],
    [
      {},
      {
        notification: [
          'The notification field is required when none of data / android / apns / webpush are present.',
        ],
      },
    ],
    [{data: {n: 1, ok: 'y'}}, {'data.n': ['The data.n must be a string.']}],
    [
      {data: {'google.x': 'y'}},
      {'data.google.x': ['The data.google.x key is reserved by FCM.']},
    ],
    [
      {
        notification: {title: 'x', sound: 'y'},
        android: {priority: 'URGENT', ttl: '1h'},
      },
      {
        'notification.sound': [
          'The notification.sound field is not supported.',
        ],
        'android.priority': ['The selected android.priority is invalid.'],
        'android.ttl': ['The android.ttl format is invalid.'],
      },
    ],
  ])("answers 422 in Laravel's shape to %j", async (body, errors) => {
    const reply = await stack.notify('1', body);
    expect(reply).toMatchObject({
      status: 422,
      body: {message: 'The given data was invalid.', errors},
    });
    expect(Object.keys((reply.body as {errors: object}).errors).sort()).toEqual(
      Object.keys(errors).sort(),
    );
  });

  it('answers 400 to a malformed Idempotency-Key', async () => {
    const reply = await stack.notify('1', MESSAGE, {
      'Idempotency-Key': 'é'.repeat(3),
    });
    expect(reply.status).toBe(400);
  });
});
