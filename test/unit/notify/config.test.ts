import {parseConfig} from '../../../shared/platform/config';

const BASE = {GOOGLE_CLOUD_PROJECT: 'p1', FCM_SENDER_ID: '123456'};

describe('notify settings', () => {
  it('defaults: no allow-list (fails closed), the Cloud project for v1 sends', () => {
    expect(parseConfig(BASE).notify).toEqual({
      oidcAudience: undefined,
      serviceAccounts: [],
      fcmProjectId: 'p1',
      concurrency: 50,
      retryBudgetMs: 10000,
      topic: 'notifications',
      maxAttempts: 5,
      quotaRetryMs: 60000,
      batchTtlMs: 3600000,
      claimTtlMs: 600000,
    });
  });

  it.each([
    [{}, 'p1'],
    [{FCM_PROJECT_ID: 'fb-project'}, 'fb-project'],
    [{FCM_EMULATOR_HOST: '127.0.0.1:9099'}, '123456'],
    [{FCM_EMULATOR_HOST: '127.0.0.1:9099', FCM_PROJECT_ID: 'x'}, 'x'],
    // The emulator without a sender id: its stand-in, as npm start runs it.
    [{FCM_EMULATOR_HOST: '127.0.0.1:9099', FCM_SENDER_ID: ''}, 'emulator'],
  ])('FCM project of %j is %s', (env, project) => {
    expect(parseConfig({...BASE, ...env}).notify.fcmProjectId).toBe(project);
  });

  it('reads the allow-list', () => {
    expect(
      parseConfig({
        ...BASE,
        NOTIFY_OIDC_AUDIENCE: 'https://f.example.com/notifyUser',
        NOTIFY_SERVICE_ACCOUNTS:
          ' a@p.iam.gserviceaccount.com , b@p.iam.gserviceaccount.com',
        NOTIFY_CONCURRENCY: '10',
        NOTIFY_RETRY_BUDGET_MS: '0',
      }).notify,
    ).toMatchObject({
      oidcAudience: 'https://f.example.com/notifyUser',
      serviceAccounts: [
        'a@p.iam.gserviceaccount.com',
        'b@p.iam.gserviceaccount.com',
      ],
      concurrency: 10,
      retryBudgetMs: 0,
    });
  });

  it.each([
    [
      {NOTIFY_OIDC_AUDIENCE: 'https://f.example.com'},
      'NOTIFY_SERVICE_ACCOUNTS is required when NOTIFY_OIDC_AUDIENCE is set',
    ],
    [
      {NOTIFY_SERVICE_ACCOUNTS: 'a@b.com'},
      'NOTIFY_OIDC_AUDIENCE is required when NOTIFY_SERVICE_ACCOUNTS is set',
    ],
    [
      {
        NOTIFY_OIDC_AUDIENCE: 'f.example.com',
        NOTIFY_SERVICE_ACCOUNTS: 'a@b.com',
      },
      'NOTIFY_OIDC_AUDIENCE must be',
    ],
    [
      {
        NOTIFY_OIDC_AUDIENCE: 'https://f',
        NOTIFY_SERVICE_ACCOUNTS: 'a@b.com,nobody',
      },
      'NOTIFY_SERVICE_ACCOUNTS must be comma-separated service account emails, got "nobody"',
    ],
    [{NOTIFY_CONCURRENCY: '0'}, 'NOTIFY_CONCURRENCY must be between 1 and 500'],
    [
      {NOTIFY_RETRY_BUDGET_MS: '1e3'},
      'NOTIFY_RETRY_BUDGET_MS must be a whole number',
    ],
    [{FCM_PROJECT_ID: 'a/b'}, 'FCM_PROJECT_ID must be a Firebase project id'],
  ])('refuses %j', (env, message) => {
    expect(() => parseConfig({...BASE, ...env})).toThrow(message);
  });
});
