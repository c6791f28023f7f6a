import {clientIp, UNKNOWN_CLIENT} from '../../../shared/auth/client-ip';

describe('clientIp', () => {
  it.each([
    // [X-Forwarded-For, peer, hops, client]
    [undefined, '127.0.0.1', 1, '127.0.0.1'],
    [undefined, '::ffff:10.0.0.7', 1, '10.0.0.7'],
    [undefined, undefined, 1, UNKNOWN_CLIENT],
    ['203.0.113.9', '169.254.1.1', 1, '203.0.113.9'],
    ['6.6.6.6, 203.0.113.9', '169.254.1.1', 1, '203.0.113.9'],
    ['6.6.6.6,203.0.113.9,130.211.0.1', '169.254.1.1', 2, '203.0.113.9'],
    ['203.0.113.9', '169.254.1.1', 2, '203.0.113.9'],
    [['6.6.6.6', '2001:DB8::1'], undefined, 1, '2001:db8::/64'],
    // One /64 is one client, however many of its addresses are used.
    ['2001:db8:1:2:aaaa::1', undefined, 1, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', undefined, 1, '2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', undefined, 1, '2001:db8:1:3::/64'],
    [undefined, '::ffff:7f00:1', 1, '127.0.0.1'],
    [' , ', '127.0.0.1', 1, '127.0.0.1'],
    ['not an address', undefined, 1, 'invalid:not?an?address'],
  ])(
    'reads %j (peer %s, %d hops) as %s',
    (forwardedFor, remoteAddress, hops, client) => {
      expect(clientIp({forwardedFor, remoteAddress}, hops)).toBe(client);
    },
  );
});
