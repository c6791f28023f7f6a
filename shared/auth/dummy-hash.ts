/**
 * The hash an unknown email's password is compared against. bcrypt's time grows with
 * the cost in the hash, so a dummy of a lower cost than the stored hashes would answer
 * unknown emails faster and tell which emails exist. The dummy therefore has the cost
 * the configuration declares (BCRYPT_COST), made once per instance on first need.
 */
import {randomBytes} from 'node:crypto';
import bcrypt from 'bcryptjs';
import {lazy} from '../platform/lazy';

/** A memoized promise of a bcrypt hash of a random secret, at `cost`. */
export function dummyHash(cost: number): () => Promise<string> {
  return lazy(() => bcrypt.hash(randomBytes(18).toString('base64'), cost));
}
