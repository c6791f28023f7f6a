import {ConfigError, parseConfig} from '../../../shared/platform/config';

const base = {FCM_SENDER_ID: '123456789012'};

describe('parseConfig', () => {
  it('gives the documented defaults', () => {
    expect(parseConfig(base)).toMatchObject({
      projectId: undefined,
      fcmSenderId: '123456789012',
      fcmEmulatorHost: undefined,
      fcmTimeoutMs: 5000,
      firestoreTimeoutMs: 10000,
      deviceGroupPrefix: 'app',
      maxDevicesPerUser: 20,
      leaseTtlMs: 60000,
      leaseWaitMs: 30000,
      leaseMaxWaiters: 8,
      leaseMaxPending: 50,
      authCacheTtlMs: 60000,
      logLevel: 'INFO',
    });
  });

  it('needs no sender id against the FCM emulator', () => {
    expect(parseConfig({FCM_EMULATOR_HOST: '127.0.0.1:9099'})).toMatchObject({
      fcmEmulatorHost: '127.0.0.1:9099',
      fcmSenderId: 'emulator',
    });
  });

  it('reads the project from GOOGLE_CLOUD_PROJECT, then GCLOUD_PROJECT', () => {
    expect(parseConfig({...base, GCLOUD_PROJECT: 'b'}).projectId).toBe('b');
    expect(
      parseConfig({...base, GOOGLE_CLOUD_PROJECT: 'a', GCLOUD_PROJECT: 'b'})
        .projectId,
    ).toBe('a');
  });

  it.each([
    [{}, 'FCM_SENDER_ID'],
    [{...base, MAX_DEVICES_PER_USER: '21'}, 'MAX_DEVICES_PER_USER'],
    [{...base, MAX_DEVICES_PER_USER: '0'}, 'MAX_DEVICES_PER_USER'],
    [{...base, MAX_DEVICES_PER_USER: '5.5'}, 'MAX_DEVICES_PER_USER'],
    [{...base, FCM_TIMEOUT_MS: '1e3'}, 'FCM_TIMEOUT_MS'],
    [{...base, FCM_TIMEOUT_MS: '-1'}, 'FCM_TIMEOUT_MS'],
    [{...base, LOCK_TTL_MS: 'soon'}, 'LOCK_TTL_MS'],
    [{...base, LOG_LEVEL: 'LOUD'}, 'LOG_LEVEL'],
    [
      {...base, FCM_EMULATOR_HOST: 'http://localhost:9099'},
      'FCM_EMULATOR_HOST',
    ],
    [{...base, DEVICE_GROUP_PREFIX: 'has space'}, 'DEVICE_GROUP_PREFIX'],
    [{...base, LOCK_TTL_MS: '10000', FCM_TIMEOUT_MS: '5000'}, 'LEASE_TTL_MS'],
    // Six FCM calls and the commit must fit in a lease: 6 × 5000 + 10000 > 39999.
    [{...base, LEASE_TTL_MS: '39999'}, 'LEASE_TTL_MS'],
    [{...base, LOCK_MAX_WAITERS: '-1'}, 'LOCK_MAX_WAITERS'],
    [{...base, LOCK_MAX_PENDING: '0'}, 'LOCK_MAX_PENDING'],
    [{...base, LEASE_MAX_PENDING: '0'}, 'LEASE_MAX_PENDING'],
    [{...base, FIRESTORE_TIMEOUT_MS: '50'}, 'FIRESTORE_TIMEOUT_MS'],
  ])('rejects %j naming %s', (env, variable) => {
    let error: unknown;
    try {
      parseConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });

  it('names every problem at once, each variable once', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        DEVICE_GROUPS: 'fcm',
        FCM_TIMEOUT_MS: 'slow',
        LOG_LEVEL: 'LOUD',
        CRON_OIDC_AUDIENCE: 'https://example.com/cron',
        MAX_DEVICES_PER_USER: '21',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.variables).toEqual([
      'FCM_TIMEOUT_MS',
      'LOG_LEVEL',
      'FCM_SENDER_ID',
      'MAX_DEVICES_PER_USER',
      'CRON_SERVICE_ACCOUNT',
    ]);
    expect(error?.message).toBe(
      'Invalid configuration: FCM_TIMEOUT_MS must be a whole number, got "slow"; ' +
        'LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got "LOUD"; ' +
        'FCM_SENDER_ID is required with DEVICE_GROUPS=fcm (the Firebase project number), unless FCM_EMULATOR_HOST names an FCM emulator (127.0.0.1:40022 for npm start); ' +
        'MAX_DEVICES_PER_USER must be between 1 and 20 with DEVICE_GROUPS=fcm (a device group holds 20), got 21; ' +
        'CRON_SERVICE_ACCOUNT is required when CRON_OIDC_AUDIENCE is set',
    );
  });

  it('allows up to 500 devices with the firestore backend', () => {
    expect(
      parseConfig({DEVICE_GROUPS: 'firestore', MAX_DEVICES_PER_USER: '500'})
        .maxDevicesPerUser,
    ).toBe(500);
  });

  it('reads the lease settings under their old LOCK_* names too, the new name first', () => {
    expect(
      parseConfig({...base, LOCK_WAIT_MS: '1000', LOCK_MAX_WAITERS: '2'}),
    ).toMatchObject({leaseWaitMs: 1000, leaseMaxWaiters: 2});
    expect(
      parseConfig({...base, LOCK_WAIT_MS: '1000', LEASE_WAIT_MS: '2000'})
        .leaseWaitMs,
    ).toBe(2000);
  });

  it('accepts lower-case log levels and blank values as unset', () => {
    expect(
      parseConfig({...base, LOG_LEVEL: 'debug', MAX_DEVICES_PER_USER: ' '}),
    ).toMatchObject({
      logLevel: 'DEBUG',
      maxDevicesPerUser: 20,
    });
  });

  describe('login settings', () => {
    it('gives the documented defaults', () => {
      expect(parseConfig(base).login).toEqual({
        maxFailuresPerEmailClient: 10,
        maxFailuresPerEmail: 50,
        maxFailuresPerIp: 100,
        windowMs: 900000,
        forwardedForHops: 1,
        bcryptCost: 10,
      });
    });

    it('reads every setting', () => {
      expect(
        parseConfig({
          ...base,
          LOGIN_MAX_FAILURES_PER_EMAIL_CLIENT: '3',
          LOGIN_MAX_FAILURES_PER_EMAIL: '4',
          LOGIN_MAX_FAILURES_PER_IP: '50',
          LOGIN_WINDOW_MS: '60000',
          FORWARDED_FOR_HOPS: '2',
          BCRYPT_COST: '12',
        }).login,
      ).toEqual({
        maxFailuresPerEmailClient: 3,
        maxFailuresPerEmail: 4,
        maxFailuresPerIp: 50,
        windowMs: 60000,
        forwardedForHops: 2,
        bcryptCost: 12,
      });
    });

    it.each([
      ['LOGIN_MAX_FAILURES_PER_EMAIL', '0'],
      // One address alone must not spend the whole budget of an email.
      ['LOGIN_MAX_FAILURES_PER_EMAIL', '10'],
      ['LOGIN_MAX_FAILURES_PER_EMAIL_CLIENT', '0'],
      ['LOGIN_MAX_FAILURES_PER_EMAIL', 'ten'],
      ['LOGIN_MAX_FAILURES_PER_IP', '0'],
      ['LOGIN_MAX_FAILURES_PER_IP', '-5'],
      ['LOGIN_WINDOW_MS', '999'],
      ['LOGIN_WINDOW_MS', '86400001'],
      ['FORWARDED_FOR_HOPS', '0'],
      ['FORWARDED_FOR_HOPS', '11'],
      ['BCRYPT_COST', '3'],
      ['BCRYPT_COST', '16'],
      ['BCRYPT_COST', '10.5'],
    ])('rejects %s=%s naming it', (variable, value) => {
      expect(() => parseConfig({...base, [variable]: value})).toThrow(
        expect.objectContaining({name: 'ConfigError', variable}),
      );
    });
  });
});
