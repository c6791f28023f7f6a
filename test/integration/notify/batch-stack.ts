/**
 * Batches as they run in production, for the batch tests: notifyUsers in this process (the
 * Functions Framework on a free port, OIDC tokens signed by notify-stack's local key), and
 * deliverNotification in a process of its own (`functions-framework
 * --target=deliverNotification` on dist/, configured by environment, as deployed), pushed to
 * by a subscription of the official Pub/Sub emulator with a dead-letter policy. A test file's
 * stacks share its Firestore and Pub/Sub project (firebase-admin's default app, which every
 * runtime of a process uses, is the first project's), one after the other; each has its
 * own FCM sender id.
 */
import http, {type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import {getTestServer} from '@google-cloud/functions-framework/testing';
import {PubSub} from '@google-cloud/pubsub';
import {Firestore} from 'firebase-admin/firestore';
import {makeNotifyUsers} from '../../../functions/notify-users';
import type {BatchStatus} from '../../../shared/notify/batch';
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {createRuntime, type Runtime} from '../../../shared/runtime';
import {
  fcmControl,
  type Delivery,
  type FcmControl,
} from '../../../tools/fcm-emulator/control';
import {
  startFunctionProcess,
  type FunctionProcess,
} from '../../../tools/cli/function-process';
import {findFreePort} from '../../../tools/firestore-emulator/free-port';
import {seedDeviceUsers} from '../../../tools/firestore-emulator/seed-devices';
import {
  removeNotifySubscriptions,
  setUpNotifyTopics,
} from '../../../tools/pubsub-emulator/topics';
import {
  firestoreEmulatorHost,
  fcmEmulatorHost,
  uniqueProjectId,
  uniqueSenderId,
} from '../../support/emulators';
import {buildOnce} from '../tools/stack-process';
import {
  AUDIENCE,
  OTHER_SENDER,
  SENDER,
  idToken,
  signingKey,
} from './notify-stack';

export {buildOnce};

export const TOPIC = 'notifications';
const KID = 'local-test-key';

/** What the batch tests tune so that a 1,000-user batch takes seconds. */
export const FAST_RETRIES = {
  NOTIFY_RETRY_BUDGET_MS: '0',
  NOTIFY_QUOTA_RETRY_MS: '500',
  NOTIFY_CLAIM_TTL_MS: '3000',
  FCM_TIMEOUT_MS: '2000',
};

export interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface BatchStackOptions {
  /** More settings of both functions. */
  env?: Record<string, string>;
  /** An FCM emulator of the test's own (`host:port`); the shared one when absent. */
  fcmHost?: string;
  /** The subscription's dead-letter threshold (default 15, as deploy.sh sets). */
  maxDeliveryAttempts?: number;
}

/** deliverNotification's process. */
export type {FunctionProcess};

export interface BatchStack {
  /** notifyUsers' address. */
  url: string;
  projectId: string;
  senderId: string;
  db: Firestore;
  fcm: FcmControl;
  /** notifyUsers' runtime (in this process). */
  runtime: Runtime;
  fn: FunctionProcess;
  post(body: unknown, headers?: Record<string, string>): Promise<Reply>;
  status(id: string): Promise<Reply>;
  /** Polls the status until `done`; fails after `timeoutMs`, saying where it stood. */
  waitDone(id: string, timeoutMs?: number): Promise<BatchStatus>;
  /** Users `ids`, each with `devices` tokens (firestore backend's layout); returns the tokens by user. */
  seedUsers(ids: string[], devices: number): Promise<Map<string, string[]>>;
  deliveries(): Promise<Delivery[]>;
  /** Publishes a message as notifyUsers does, once more (a duplicate). */
  publish(topic: string, data: object): Promise<void>;
  /** The recipient documents of a batch, by user id. */
  recipients(batchId: string): Promise<Map<string, Record<string, unknown>>>;
  close(): Promise<void>;
}

let functionCount = 0;
let fileProject: string | undefined;

function functionEnv(
  projectId: string,
  senderId: string,
  opts: BatchStackOptions,
  port: number,
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    METADATA_SERVER_DETECTION: 'none',
    PORT: String(port),
    GOOGLE_CLOUD_PROJECT: projectId,
    FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost(),
    FCM_EMULATOR_HOST: opts.fcmHost ?? fcmEmulatorHost(),
    FCM_SENDER_ID: senderId,
    DEVICE_GROUP_PREFIX: 'test',
    LOG_LEVEL: 'WARNING',
    ...FAST_RETRIES,
    ...opts.env,
  };
}

async function startFunction(
  env: NodeJS.ProcessEnv,
  port: number,
): Promise<FunctionProcess> {
  return startFunctionProcess({
    target: 'deliverNotification',
    signatureType: 'cloudevent',
    port,
    env,
    // Held by the quiet-logs environment: shown under a failing test only.
    onLine: line => {
      if (line.startsWith('{')) process.stdout.write(`${line}\n`);
    },
  });
}

/**
 * The front the push subscription talks to, as Cloud Run's is in front of instances: it
 * forwards each push to deliverNotification's process, and while that process is down
 * (killed, restarting) it holds new pushes until one is back. A push in flight when the
 * process dies gets a 502, so Pub/Sub redelivers it. (The emulator, pushing to a port that
 * refuses connections, fails a burst of messages in a tight loop, and after such a burst it
 * stopped redelivering some of them.)
 */
async function startFront(
  target: () => number,
): Promise<{port: number; close(): Promise<void>}> {
  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
    deadline: number,
  ) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target(),
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && Date.now() < deadline) {
        setTimeout(() => forward(req, body, res, deadline), 50);
        return;
      }
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    upstream.end(body);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      forward(req, Buffer.concat(chunks), res, Date.now() + 30_000),
    );
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts a batch stack; `buildOnce()` must have run (deliverNotification runs from dist/). */
export async function startBatchStack(
  opts: BatchStackOptions = {},
): Promise<BatchStack> {
  const projectId = (fileProject ??= uniqueProjectId());
  const senderId = uniqueSenderId();
  const port = await findFreePort();
  const fn = await startFunction(
    functionEnv(projectId, senderId, opts, port),
    port,
  );
  const front = await startFront(() => port);
  await setUpNotifyTopics({
    emulatorHost: process.env.PUBSUB_EMULATOR_HOST!,
    projectId,
    topic: TOPIC,
    pushBase: `http://127.0.0.1:${front.port}`,
    minBackoffMs: 100,
    maxBackoffMs: 1000,
    maxDeliveryAttempts: opts.maxDeliveryAttempts ?? 15,
    ackDeadlineSeconds: 10,
  });
  const runtime = createRuntime(
    parseConfig({
      GOOGLE_CLOUD_PROJECT: projectId,
      FCM_EMULATOR_HOST: opts.fcmHost ?? fcmEmulatorHost(),
      FCM_SENDER_ID: senderId,
      DEVICE_GROUP_PREFIX: 'test',
      NOTIFY_OIDC_AUDIENCE: AUDIENCE,
      NOTIFY_SERVICE_ACCOUNTS: `${SENDER},${OTHER_SENDER}`,
      ...FAST_RETRIES,
      ...opts.env,
    }),
    createLogger('WARNING', line => process.stdout.write(`${line}\n`)),
    {
      fetchCerts: async () => ({
        [KID]: signingKey.publicKey
          .export({type: 'spki', format: 'pem'})
          .toString(),
      }),
    },
  );
  const name = `notifyUsers${++functionCount}`;
  functions.http(
    name,
    makeNotifyUsers(() => runtime),
  );
  const server: Server = getTestServer(name);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db = new Firestore({projectId});
  const fcm = fcmControl(`http://${opts.fcmHost ?? fcmEmulatorHost()}`);
  const pubsub = new PubSub({projectId});

  const call = async (
    method: string,
    pathname: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const response = await fetch(`${url}${pathname}`, {
      method,
      headers: {
        Authorization: `Bearer ${idToken()}`,
        ...(body === undefined ? {} : {'Content-Type': 'application/json'}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? null : JSON.parse(text),
      headers: response.headers,
    };
  };

  return {
    url,
    projectId,
    senderId,
    db,
    fcm,
    runtime,
    fn,
    post: (body, headers) => call('POST', '/api/notifications', body, headers),
    status: id => call('GET', `/api/notifications/${id}`),
    async waitDone(id, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reply = await call('GET', `/api/notifications/${id}`);
        const status = reply.body as BatchStatus;
        if (reply.status === 200 && status.status === 'done') return status;
        if (Date.now() > deadline)
          throw new Error(
            `batch ${id} not done after ${timeoutMs} ms: ${JSON.stringify(reply.body)}`,
          );
        await new Promise(resolve => setTimeout(resolve, 300));
      }
    },
    seedUsers: (ids, devices) =>
      seedDeviceUsers(
        db,
        ids,
        devices,
        (id, i) => `batch-${id}-${i}-${'x'.repeat(40)}`,
      ),
    deliveries: () => fcm.deliveries(senderId),
    async publish(topic, data) {
      await pubsub.topic(topic).publishMessage({json: data});
    },
    async recipients(batchId) {
      const snapshot = await db
        .collection('notification_batches')
        .doc(batchId)
        .collection('recipients')
        .get();
      return new Map(snapshot.docs.map(d => [d.id, d.data()]));
    },
    async close() {
      await removeNotifySubscriptions({
        emulatorHost: process.env.PUBSUB_EMULATOR_HOST!,
        projectId,
        topic: TOPIC,
      });
      await fn.stop();
      await front.close();
      await new Promise<void>(resolve => server.close(() => resolve()));
      await Promise.all([
        db.terminate(),
        pubsub.close(),
        runtime.notifyBatches.close(),
      ]);
    },
  };
}

/** How many times each token got a message. */
export function countByToken(
  deliveries: readonly Delivery[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveries)
    counts.set(d.token, (counts.get(d.token) ?? 0) + 1);
  return counts;
}
