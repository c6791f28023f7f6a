/**
 * The floor: a bare `node:http` server (no Functions Framework, no Express) doing the least
 * physical work of each measured request, with the same Firestore client as the functions
 * (firebase-admin's) against the same emulators. Nothing of ours runs: no authentication,
 * validation, lease or error mapping. Prints `listening PORT` once it serves.
 *
 *   POST /fcm        `{"user", "token"}`: one transaction that reads the user and the token
 *                    document and writes the token, then one device-group call to FCM
 *   POST /firestore  the same transaction, no FCM call
 *   POST /send       `{"tokens": [...]}`: one FCM HTTP v1 send per token, all in parallel
 *   GET  /hello      hello-world (the Functions Framework's own overhead is measured against it)
 *   GET  /__bench/stats  see process-stats.ts
 *
 * Started with `--require dist/bench/firestore-preload.js`, it uses the app and Firestore
 * settings that module made (the preferRest row). With BENCH_FLOOR_FRAMEWORK=1 the same
 * handler runs as an HTTP function inside the Functions Framework (its Express app, body
 * parsing and per-request domain), as production runs a function: the second floor, which
 * carries the framework's overhead and none of ours.
 */
import {createHash} from 'node:crypto';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {getApps, initializeApp} from 'firebase-admin/app';
import {getFirestore} from 'firebase-admin/firestore';
import {sendV1} from './fcm-send';
import {installFirestoreCounter} from './firestore-counter';
import {countResponse, serveStats} from './process-stats';

installFirestoreCounter();

const db = getFirestore(
  getApps()[0] ?? initializeApp({projectId: process.env.GOOGLE_CLOUD_PROJECT}),
);
const fcmBase = `http://${process.env.FCM_EMULATOR_HOST}`;
let groupSeq = 0;

async function transaction(user: string, token: string): Promise<void> {
  const userRef = db.collection('users').doc(user);
  const tokenRef = db
    .collection('fcm_registration_tokens')
    .doc(createHash('sha256').update(token).digest('base64url'));
  await db.runTransaction(async tx => {
    await tx.getAll(userRef, tokenRef);
    const now = new Date();
    tx.set(tokenRef, {
      user_id: user,
      registration_id: token,
      created_at: now,
      updated_at: now,
    });
  });
}

/** One device-group call: a group of its own per request, so every call succeeds. */
async function groupCall(user: string, token: string): Promise<boolean> {
  const res = await fetch(`${fcmBase}/fcm/notification`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer owner',
      project_id: process.env.FCM_SENDER_ID ?? 'emulator',
      access_token_auth: 'true',
    },
    body: JSON.stringify({
      operation: 'create',
      notification_key_name: `floor-${user}-${process.pid}-${++groupSeq}`,
      registration_ids: [token],
    }),
  });
  await res.arrayBuffer();
  return res.ok;
}

const sendOne = (token: string) =>
  sendV1(fcmBase, process.env.GOOGLE_CLOUD_PROJECT ?? 'emulator', token);

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  // Inside the Functions Framework the body is parsed already.
  const parsed = (req as {body?: unknown}).body;
  if (parsed !== undefined) return parsed;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, {'Content-Type': 'application/json'});
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && req.url === '/hello') {
    res.writeHead(200, {'Content-Type': 'text/plain'});
    res.end('Hello, World!');
    return;
  }
  if (
    req.method === 'POST' &&
    (req.url === '/fcm' || req.url === '/firestore')
  ) {
    const {user, token} = (await readJson(req)) as {
      user: string;
      token: string;
    };
    await transaction(user, token);
    // A failed FCM call shows as 502 in the statuses instead of passing for work done.
    if (req.url === '/fcm' && !(await groupCall(user, token)))
      return reply(502, {message: 'FCM call failed'});
    return reply(201, {user, token});
  }
  if (req.method === 'POST' && req.url === '/send') {
    const {tokens} = (await readJson(req)) as {tokens: string[]};
    const ok = await Promise.all(tokens.map(sendOne));
    const sent = ok.filter(Boolean).length;
    return reply(sent === tokens.length ? 200 : 502, {sent});
  }
  req.resume();
  reply(404, {message: 'Not Found.'});
}

const serve = (req: http.IncomingMessage, res: http.ServerResponse) =>
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) res.writeHead(500).end(String(err));
  });

async function main(): Promise<void> {
  let dispatch = (req: http.IncomingMessage, res: http.ServerResponse) =>
    void serve(req, res);
  if (process.env.BENCH_FLOOR_FRAMEWORK === '1') {
    const functions = await import('@google-cloud/functions-framework');
    const {getTestServer} =
      await import('@google-cloud/functions-framework/testing');
    functions.http('floor', (req, res) => void serve(req, res));
    const framework = getTestServer('floor');
    dispatch = (req, res) => void framework.emit('request', req, res);
  }
  const server = http.createServer((req, res) => {
    if (serveStats(req, res)) return;
    countResponse(res);
    dispatch(req, res);
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(
      `listening ${(server.address() as AddressInfo).port}\n`,
    );
  });
}

void main();
