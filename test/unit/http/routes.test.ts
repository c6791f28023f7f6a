import {
  isCronPath,
  matchDevicePath,
  routesFor,
} from '../../../shared/http/routes';

describe('paths', () => {
  it.each([
    ['/api/users/1/fcm_registration_tokens', '1'],
    ['/users/1/fcm_registration_tokens', '1'],
    ['/users/01/fcm_registration_tokens', '01'],
    ['/users/1%2F..%2F2/fcm_registration_tokens', '1/../2'],
  ])('%s names user %s', (path, userId) => {
    expect(matchDevicePath(path)).toEqual({userId});
  });

  it.each([
    '/api/users/1/fcm_registration_tokens/',
    '/api/api/users/1/fcm_registration_tokens',
    '/API/users/1/fcm_registration_tokens',
    '/users//fcm_registration_tokens',
    '/users/1/2/fcm_registration_tokens',
    '/users/%E0%A4%A/fcm_registration_tokens',
    '/',
  ])('%s is not a device path', path => {
    expect(matchDevicePath(path)).toBeNull();
  });

  it('knows the cron paths', () => {
    expect(['/api/cron', '/cron', '/'].map(isCronPath)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['/api/cron/', '/api/crons'].map(isCronPath)).toEqual([
      false,
      false,
    ]);
  });

  it('routes both methods of the device path and cron', () => {
    expect(
      routesFor('/api/users/7/fcm_registration_tokens').map(
        r => `${r.method} ${r.functionName}`,
      ),
    ).toEqual(['POST addDevice', 'DELETE removeDevice']);
    expect(routesFor('/api/cron').map(r => r.functionName)).toEqual(['cron']);
    expect(routesFor('/api/nothing')).toEqual([]);
  });
});
