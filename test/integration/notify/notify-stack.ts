/**
 * notifyUser as a caller sees it, for the send tests: the function inside the Functions
 * Framework on a free port, with a runtime wired to the Firestore emulator and the FCM
 * emulator, and OIDC tokens signed by a local RSA key whose certificate the verifier is
 * given (nothing reaches Google).
 */
import {createSign, generateKeyPairSync, type KeyObject} from 'node:crypto';
import type {AddressInfo} from 'node:net';
import type {Server} from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import {Firestore, Timestamp} from 'firebase-admin/firestore';
import {makeNotifyUser} from '../../../functions/notify-user';
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {createRuntime, type Runtime} from '../../../shared/runtime';
import {tokenId} from '../../../shared/firestore/collections';
import {fcmControl, type FcmControl} from '../../../tools/fcm-emulator/control';
import {
  fcmEmulatorHost,
  fcmEmulatorUrl,
  resetFirestore,
  uniqueSenderId,
} from '../../support/emulators';

export const AUDIENCE = 'https://europe-west1-p1.cloudfunctions.net/notifyUser';
export const SENDER = 'backend@p1.iam.gserviceaccount.com';
export const OTHER_SENDER = 'jobs@p1.iam.gserviceaccount.com';
const KID = 'local-test-key';

export const signingKey = generateKeyPairSync('rsa', {modulusLength: 2048});
const pem = (k: KeyObject) =>
  k.export({type: 'spki', format: 'pem'}).toString();
const b64url = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** A Google-style ID token (RS256) of SENDER for AUDIENCE, with `claims` overriding. */
export function idToken(
  claims: Record<string, unknown> = {},
  signWith: KeyObject = signingKey.privateKey,
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: 'https://accounts.google.com',
    aud: AUDIENCE,
    sub: '1234567890',
    email: SENDER,
    email_verified: true,
    iat: now - 10,
    exp: now + 3590,
    ...claims,
  };
  const signed = `${b64url({alg: 'RS256', kid: KID, typ: 'JWT'})}.${b64url(payload)}`;
  return `${signed}.${createSign('RSA-SHA256').update(signed).sign(signWith).toString('base64url')}`;
}

export interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface NotifyStack {
  url: string;
  senderId: string;
  runtime: Runtime;
  db: Firestore;
  fcm: FcmControl;
  /** Every log line the function wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** POST /api/users/{user}/notifications with a valid token unless `authorization` is given. */
  notify(
    user: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  /** Creates `users/{id}` (no password needed: notifyUser does not log users in). */
  seedUser(id: string): Promise<void>;
  /** Writes `count` devices of a user straight into Firestore, in bulk; returns the tokens. */
  seedDevices(
    userId: string,
    count: number,
    updatedAt?: Date,
  ): Promise<string[]>;
  /** The user's registration tokens per Firestore (token documents), sorted. */
  tokensOf(userId: string): Promise<string[]>;
  /** The user's device map entries per the user document, sorted by registration id. */
  devicesOf(userId: string): Promise<string[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

let functionCount = 0;

/** Starts notifyUser with `env` over a base configuration for `projectId`. */
export async function startNotifyStack(
  projectId: string,
  env: Record<string, string> = {},
): Promise<NotifyStack> {
  const senderId = uniqueSenderId();
  const logs: Array<Record<string, unknown>> = [];
  const runtime = createRuntime(
    parseConfig({
      GOOGLE_CLOUD_PROJECT: projectId,
      FCM_EMULATOR_HOST: fcmEmulatorHost(),
      FCM_SENDER_ID: senderId,
      DEVICE_GROUP_PREFIX: 'test',
      NOTIFY_OIDC_AUDIENCE: AUDIENCE,
      NOTIFY_SERVICE_ACCOUNTS: `${SENDER},${OTHER_SENDER}`,
      // Room for two 1 s Retry-After waits on a loaded machine; two 2 s waits spend it.
      NOTIFY_RETRY_BUDGET_MS: '6000',
      ...env,
    }),
    createLogger('DEBUG', line => logs.push(JSON.parse(line))),
    {fetchCerts: async () => ({[KID]: pem(signingKey.publicKey)})},
  );
  const name = `notifyUser${++functionCount}`;
  functions.http(
    name,
    makeNotifyUser(() => runtime),
  );
  const server: Server = getTestServer(name);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db = new Firestore({projectId});
  const fcm = fcmControl(fcmEmulatorUrl());

  return {
    url,
    senderId,
    runtime,
    db,
    fcm,
    logs,
    async notify(user, body, headers = {}) {
      const response = await fetch(`${url}/api/users/${user}/notifications`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${idToken()}`,
          'Content-Type': 'application/json',
          ...headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text === '' ? null : JSON.parse(text),
        headers: response.headers,
      };
    },
    async seedUser(id) {
      await db
        .collection('users')
        .doc(id)
        .set({email: `${id}@example.com`});
    },
    async seedDevices(userId, count, updatedAt = new Date()) {
      const at = Timestamp.fromDate(updatedAt);
      const tokens = Array.from(
        {length: count},
        (_, i) =>
          `tok-${userId}-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`,
      );
      const writer = db.bulkWriter();
      for (const token of tokens) {
        void writer.set(
          db.collection('fcm_registration_tokens').doc(tokenId(token)),
          {
            user_id: userId,
            registration_id: token,
            created_at: at,
            updated_at: at,
          },
        );
      }
      void writer.set(
        db.collection('users').doc(userId),
        {
          email: `${userId}@example.com`,
          devices: Object.fromEntries(
            tokens.map(t => [tokenId(t), {registration_id: t, updated_at: at}]),
          ),
        },
        {merge: true},
      );
      await writer.close();
      return tokens;
    },
    async tokensOf(userId) {
      const snapshot = await db
        .collection('fcm_registration_tokens')
        .where('user_id', '==', userId)
        .get();
      return snapshot.docs.map(d => d.get('registration_id') as string).sort();
    },
    async devicesOf(userId) {
      const doc = await db.collection('users').doc(userId).get();
      const map = (doc.get('devices') ?? {}) as Record<
        string,
        {registration_id: string}
      >;
      return Object.values(map)
        .map(e => e.registration_id)
        .sort();
    },
    async reset() {
      logs.length = 0;
      await Promise.all([
        resetFirestore(projectId),
        fcm.reset(senderId),
        fcm.clearSendFaults(senderId),
      ]);
    },
    async close() {
      await new Promise<void>(resolve => server.close(() => resolve()));
      await db.terminate();
    },
  };
}
