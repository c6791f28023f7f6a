import type {App} from 'firebase-admin/app';
import {credentialTokenSource} from '../../../shared/fcm/access-token';

function fakeApp(
  tokens: Array<{access_token: string; expires_in: number} | Error>,
): {app: App; calls: () => number} {
  let calls = 0;
  const credential = {
    getAccessToken: async () => {
      const next = tokens[calls++]!;
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return {
    app: {name: 'fake', options: {credential}} as unknown as App,
    calls: () => calls,
  };
}

const live = new AbortController().signal;

describe("FCM access tokens from firebase-admin's credential", () => {
  it('caches a token until five minutes before it expires', async () => {
    let now = 0;
    const {app, calls} = fakeApp([
      {access_token: 'one', expires_in: 3600},
      {access_token: 'two', expires_in: 3600},
    ]);
    const source = credentialTokenSource(
      async () => app,
      () => now,
    );
    expect(await source(live)).toBe('one');
    now = (3600 - 301) * 1000;
    expect(await source(live)).toBe('one');
    now = (3600 - 299) * 1000;
    expect(await source(live)).toBe('two');
    expect(calls()).toBe(2);
  });

  it('shares one fetch between concurrent callers and does not cache a failure', async () => {
    const {app, calls} = fakeApp([
      new Error('metadata server down'),
      {access_token: 'ok', expires_in: 3600},
    ]);
    const source = credentialTokenSource(async () => app);
    await expect(Promise.all([source(live), source(live)])).rejects.toThrow(
      'metadata server down',
    );
    expect(calls()).toBe(1);
    expect(await source(live)).toBe('ok');
  });

  it("stops waiting for a slow fetch when the caller's signal aborts", async () => {
    const app = {
      options: {
        credential: {getAccessToken: () => new Promise<never>(() => {})},
      },
    } as unknown as App;
    const source = credentialTokenSource(async () => app);
    await expect(source(AbortSignal.timeout(50))).rejects.toThrow();
  });
});
