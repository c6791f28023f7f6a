/**
 * The example values of the Laravel API reference, reused by every generated document so
 * that the OpenAPI examples, the Postman collection and the reference agree.
 */
import {tokenId} from '../../shared/firestore/collections';
import type {TokenJson} from '../../shared/http/token-json';

/** The local stack's address (`npm start`), as in the reference. */
export const LOCAL_BASE_URL = 'http://localhost:40020';

/** The reference's demo user; `npm start` seeds it. */
export const DEMO = {
  userId: 1,
  email: 'support@thinkbitsolutions.com',
  password: 's3cRe+',
} as const;

/** The demo user's `email:password`, as the reference explains Basic credentials. */
export const DEMO_CREDENTIALS = `${DEMO.email}:${DEMO.password}`;

/** The reference's registration token. */
export const EXAMPLE_TOKEN =
  'fIAe0YS9S1-FyQDlQ24Edu:APA91bF2NDdGgK8UR26uSFvXw2RSXGJ2A1o57f2yh_iDSQ8gYbszgPEcWnanlQCeYO7okp6XNqEVwtjMSVz8RQPNpMtzb4vseRKGov5Wm6PkpK5gDy30SkzrtnjIvCO4nHqTpfmjL2wo';

/** The token body of the 201 answer (the reference showed `id: 1`; ids are now the token's hash). */
export const EXAMPLE_TOKEN_JSON: TokenJson = {
  id: tokenId(EXAMPLE_TOKEN),
  user_id: DEMO.userId,
  registration_id: EXAMPLE_TOKEN,
  created_at: '2020-03-18 06:35:22',
  updated_at: '2020-03-18 06:35:22',
};

/** The same token registered again later: only `updated_at` moves. */
export const EXAMPLE_TOKEN_JSON_REFRESHED: TokenJson = {
  ...EXAMPLE_TOKEN_JSON,
  updated_at: '2020-04-02 09:12:40',
};

/** The address App Engine's cron service calls from. */
export {APPENGINE_CRON_IP as APPENGINE_CRON_ADDRESS} from '../../shared/cron/auth';

/** An address outside App Engine (RFC 5737 documentation range). */
export const OTHER_ADDRESS = '203.0.113.7';

/** A batch id as notifyUsers answers it (a Firestore auto id). */
export const EXAMPLE_BATCH_ID = 'pQ3jv9XnWk2rTz8bYc1L';
