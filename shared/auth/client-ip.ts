/**
 * The client address a failed login is counted and logged under.
 *
 * Google's front end appends the address it received the connection from to
 * `X-Forwarded-For`; whatever the client sent itself stays in front of it. The
 * leftmost entry is therefore the one value an attacker controls fully (a new fake
 * address per request would escape a per-address throttle), so the client is read
 * from the right: the last entry behind Google's front end alone (a function or
 * Cloud Run URL), the second last behind an external Application Load Balancer
 * (`<supplied>,<client-ip>,<load-balancer-ip>`). See docs/authentication.md.
 *
 * One client is one IPv4 address or one IPv6 /64: a single subscriber or host gets a whole
 * /64, so keying on full IPv6 addresses would give an attacker 2^64 of them.
 */
import {isIP} from 'node:net';
import ipaddr from 'ipaddr.js';

/** The raw facts of a request that locate its client. */
export interface ClientAddressSource {
  /** The `X-Forwarded-For` header as received (a list when repeated). */
  forwardedFor: string | string[] | undefined;
  /** The socket's peer address (the client itself when nothing forwards). */
  remoteAddress: string | undefined;
}

/** Used when no address can be found, so such requests still share one bucket. */
export const UNKNOWN_CLIENT = 'unknown';

/**
 * The client's key: the entry `hops` from the right of `X-Forwarded-For` (the leftmost
 * when the list is shorter), else the peer address. IPv4-mapped IPv6 addresses are
 * reduced to IPv4 and other IPv6 addresses to their /64 (`2001:db8:1:2::/64`), so one
 * client has one key.
 */
export function clientIp(source: ClientAddressSource, hops: number): string {
  const header = Array.isArray(source.forwardedFor)
    ? source.forwardedFor.join(',')
    : source.forwardedFor;
  const entries = (header ?? '')
    .split(',')
    .map(entry => entry.trim())
    .filter(entry => entry !== '');
  const picked =
    entries.length > 0
      ? entries[Math.max(0, entries.length - hops)]!
      : source.remoteAddress;
  return normalize(picked);
}

function normalize(address: string | undefined): string {
  if (!address) return UNKNOWN_CLIENT;
  switch (isIP(address)) {
    case 4:
      return address;
    case 6: {
      const parsed = ipaddr.IPv6.parse(address);
      if (parsed.isIPv4MappedAddress())
        return parsed.toIPv4Address().toString();
      return `${ipaddr.IPv6.networkAddressFromCIDR(`${address}/64`).toString()}/64`;
    }
    default:
      // Anything that is not an address (a forged header) is kept only as a bounded,
      // printable token, so it can neither bloat a document id nor a log line.
      return `invalid:${address.replace(/[^\x21-\x7e]/g, '?').slice(0, 64)}`;
  }
}
