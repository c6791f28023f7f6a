/**
 * The device API as a user sees it, for integration tests: the local server (the three
 * functions inside the Functions Framework) on a free port, wired by environment to the
 * Firestore emulator and the FCM emulator, in a Firestore project and FCM sender id of
 * this test file's own. Also reads both stores back to check they agree.
 */
import type {AddressInfo} from 'node:net';
import type {Server} from 'node:http';
import bcrypt from 'bcryptjs';
import {Firestore} from 'firebase-admin/firestore';
import {
  fcmControl,
  type FcmControl,
  type GroupSnapshot,
} from '../../tools/fcm-emulator/control';
import {
  fcmEmulatorUrl,
  resetFirestore,
  uniqueProjectId,
  uniqueSenderId,
} from './emulators';
import {rawRequest, type RawReply} from './raw-request';

export const PREFIX = 'test';

export type Backend = 'fcm' | 'firestore';

export interface DeviceStack {
  url: string;
  projectId: string;
  senderId: string;
  /** DEVICE_GROUPS of the functions under test. */
  backend: Backend;
  db: Firestore;
  fcm: FcmControl;
  /** Creates a user with a bcrypt hash (cost 4 unless given) and returns its Basic header. */
  seedUser(
    id: string,
    email: string,
    password: string,
    cost?: number,
  ): Promise<string>;
  /** Sends a request with a JSON body to the local server. */
  send(
    method: string,
    path: string,
    options?: {auth?: string; body?: unknown; headers?: Record<string, string>},
  ): Promise<Reply>;
  /** Both stores: each user's token ids per Firestore, each group per FCM. */
  snapshot(): Promise<StoresSnapshot>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export type Reply = RawReply;

export interface StoresSnapshot {
  /** registration ids per user id, sorted, as Firestore holds them. */
  tokens: Record<string, string[]>;
  /** notification_key per user id, as Firestore holds it (users with a key only). */
  keys: Record<string, string>;
  /** registration ids per user id, sorted, as the user documents' `devices` maps list them. */
  devices: Record<string, string[]>;
  groups: GroupSnapshot[];
  /** Leases still present (should be none once all requests are answered). */
  locks: string[];
}

export function basic(email: string, password: string): string {
  return 'Basic ' + Buffer.from(`${email}:${password}`).toString('base64');
}

/** Sets the environment the functions read and starts the local server. */
export async function startDeviceStack(
  env: Record<string, string> = {},
): Promise<DeviceStack> {
  const projectId = uniqueProjectId();
  const senderId = uniqueSenderId();
  Object.assign(process.env, {
    GOOGLE_CLOUD_PROJECT: projectId,
    FCM_SENDER_ID: senderId,
    DEVICE_GROUP_PREFIX: PREFIX,
    LOG_LEVEL: 'ERROR',
    ...env,
  });
  const {createLocalServer} = await import('../../tools/local-stack/router');
  const server: Server = createLocalServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db = new Firestore({projectId});
  const fcm = fcmControl(fcmEmulatorUrl());

  return {
    url,
    projectId,
    senderId,
    backend: env.DEVICE_GROUPS === 'firestore' ? 'firestore' : 'fcm',
    db,
    fcm,
    async seedUser(id, email, password, cost = 4) {
      await db
        .collection('users')
        .doc(id)
        .set({
          email: email.toLowerCase(),
          password: await bcrypt.hash(password, cost),
        });
      return basic(email, password);
    },
    async send(method, path, {auth, body, headers = {}} = {}) {
      const h: Record<string, string> = {...headers};
      if (auth !== undefined) h.Authorization = auth;
      if (body !== undefined) h['Content-Type'] ??= 'application/json';
      const raw =
        body === undefined || typeof body === 'string'
          ? body
          : JSON.stringify(body);
      return rawRequest(url, method, path, h, raw);
    },
    async snapshot() {
      const [tokens, users, locks, groups] = await Promise.all([
        db.collection('fcm_registration_tokens').get(),
        db.collection('users').get(),
        db.collection('device_group_locks').get(),
        fcm.groups(senderId),
      ]);
      const byUser: Record<string, string[]> = {};
      for (const doc of tokens.docs)
        (byUser[doc.get('user_id')] ??= []).push(doc.get('registration_id'));
      for (const list of Object.values(byUser)) list.sort();
      const keys: Record<string, string> = {};
      const devices: Record<string, string[]> = {};
      for (const doc of users.docs) {
        if (doc.get('notification_key'))
          keys[doc.id] = doc.get('notification_key');
        const map = (doc.get('devices') ?? {}) as Record<
          string,
          {registration_id: string}
        >;
        const listed = Object.values(map)
          .map(entry => entry.registration_id)
          .sort();
        if (listed.length > 0) devices[doc.id] = listed;
      }
      return {
        tokens: byUser,
        keys,
        devices,
        groups,
        locks: locks.docs.map(d => d.id),
      };
    },
    async reset() {
      await Promise.all([
        resetFirestore(projectId),
        fcm.reset(senderId),
        fcm.clearFaults(senderId),
      ]);
    },
    async close() {
      await new Promise<void>(resolve => server.close(() => resolve()));
      await db.terminate();
    },
  };
}

/**
 * The invariants of the contract, as a list of violations (empty when all hold): per
 * user, the Firestore tokens are exactly the group's members; groups hold at most `max`;
 * a token is in at most one group; the stored key is the group's key. With the
 * `firestore` backend no FCM group may exist at all, and the device lists must match
 * the token documents.
 */
export function violations(
  state: StoresSnapshot,
  max = 20,
  backend: Backend = 'fcm',
): string[] {
  if (backend === 'firestore') return firestoreViolations(state, max);
  const problems: string[] = [];
  const groupOf = new Map(state.groups.map(g => [g.notification_key_name, g]));
  const users = new Set([
    ...Object.keys(state.tokens),
    ...Object.keys(state.keys),
    ...Object.keys(state.devices),
  ]);
  for (const group of state.groups) {
    const id = group.notification_key_name.replace(`${PREFIX}_users-`, '');
    users.add(id);
    if (group.registration_ids.length > max)
      problems.push(
        `group of ${id} has ${group.registration_ids.length} members`,
      );
  }
  for (const id of users) {
    const group = groupOf.get(`${PREFIX}_users-${id}`);
    const members = group?.registration_ids ?? [];
    const stored = state.tokens[id] ?? [];
    if (JSON.stringify(members) !== JSON.stringify(stored))
      problems.push(
        `user ${id}: Firestore ${stored.length} tokens, FCM ${members.length} members`,
      );
    if ((state.keys[id] ?? null) !== (group?.notification_key ?? null))
      problems.push(`user ${id}: stored key differs from the group's`);
    if (JSON.stringify(state.devices[id] ?? []) !== JSON.stringify(stored))
      problems.push(`user ${id}: devices map differs from the token documents`);
  }
  const seen = new Map<string, string>();
  for (const group of state.groups) {
    for (const token of group.registration_ids) {
      if (seen.has(token))
        problems.push(
          `token in two groups: ${seen.get(token)} and ${group.notification_key_name}`,
        );
      seen.set(token, group.notification_key_name);
    }
  }
  if (state.locks.length > 0)
    problems.push(`leases left: ${state.locks.join(', ')}`);
  return problems;
}

function firestoreViolations(state: StoresSnapshot, max: number): string[] {
  const problems: string[] = [];
  if (state.groups.length > 0)
    problems.push(`FCM groups exist: ${state.groups.length}`);
  const users = new Set([
    ...Object.keys(state.tokens),
    ...Object.keys(state.devices),
  ]);
  for (const id of users) {
    const stored = state.tokens[id] ?? [];
    if (stored.length > max)
      problems.push(`user ${id} has ${stored.length} tokens`);
    if (JSON.stringify(state.devices[id] ?? []) !== JSON.stringify(stored))
      problems.push(`user ${id}: devices map differs from the token documents`);
  }
  if (state.locks.length > 0)
    problems.push(`leases left: ${state.locks.join(', ')}`);
  return problems;
}
