import {ConfigError, parseConfig} from '../../../shared/platform/config';

const base = {FCM_SENDER_ID: '123456789012'};
const oidc = {
  CRON_OIDC_AUDIENCE: 'https://europe-west1-p.cloudfunctions.net/cron',
  CRON_SERVICE_ACCOUNT: 'cron@p.iam.gserviceaccount.com',
};

describe('parseConfig: cron settings', () => {
  it('defaults to no cron authentication (fail closed) and the documented task settings', () => {
    expect(parseConfig(base).cron).toEqual({
      authMode: 'none',
      oidcAudience: undefined,
      serviceAccount: undefined,
      leaseTtlMs: 600000,
      pruneTokenAgeDays: 270,
      prunePageSize: 100,
    });
  });

  it.each([
    [{...oidc}, 'oidc'],
    [{CRON_APPENGINE_COMPAT: 'true'}, 'appengine'],
    [{...oidc, CRON_APPENGINE_COMPAT: 'false'}, 'oidc'],
  ])('%j selects %s', (env, mode) => {
    expect(parseConfig({...base, ...env}).cron.authMode).toBe(mode);
  });

  it('reads the task settings', () => {
    expect(
      parseConfig({
        ...base,
        PRUNE_TOKEN_AGE_DAYS: '30',
        PRUNE_PAGE_SIZE: '500',
        CRON_LEASE_TTL_MS: '10000',
      }).cron,
    ).toMatchObject({
      pruneTokenAgeDays: 30,
      prunePageSize: 500,
      leaseTtlMs: 10000,
    });
  });

  it.each([
    [{CRON_APPENGINE_COMPAT: 'yes'}, 'CRON_APPENGINE_COMPAT'],
    [{CRON_APPENGINE_COMPAT: '1'}, 'CRON_APPENGINE_COMPAT'],
    // Both modes at once would silently replace the OIDC check.
    [{...oidc, CRON_APPENGINE_COMPAT: 'true'}, 'CRON_APPENGINE_COMPAT'],
    [{CRON_OIDC_AUDIENCE: oidc.CRON_OIDC_AUDIENCE}, 'CRON_SERVICE_ACCOUNT'],
    [{CRON_SERVICE_ACCOUNT: oidc.CRON_SERVICE_ACCOUNT}, 'CRON_OIDC_AUDIENCE'],
    [{...oidc, CRON_OIDC_AUDIENCE: 'cron'}, 'CRON_OIDC_AUDIENCE'],
    [{...oidc, CRON_SERVICE_ACCOUNT: 'not-an-email'}, 'CRON_SERVICE_ACCOUNT'],
    [{PRUNE_TOKEN_AGE_DAYS: '0'}, 'PRUNE_TOKEN_AGE_DAYS'],
    [{PRUNE_TOKEN_AGE_DAYS: '270d'}, 'PRUNE_TOKEN_AGE_DAYS'],
    [{PRUNE_PAGE_SIZE: '501'}, 'PRUNE_PAGE_SIZE'],
    [{CRON_LEASE_TTL_MS: '999'}, 'CRON_LEASE_TTL_MS'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => parseConfig({...base, ...env})).toThrow(ConfigError);
    try {
      parseConfig({...base, ...env});
    } catch (err) {
      expect((err as ConfigError).variable).toBe(variable);
    }
  });
});
