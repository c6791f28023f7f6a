/**
 * The floor: the least physical work an addDevice does, with nothing of ours around it
 * (no authentication, validation, leases or error mapping). One Firestore transaction
 * reads the user and the token document and writes the token; then one HTTP call adds
 * the token to the user's group at the FCM emulator. Body: `{"user": "…", "token": "…"}`.
 */
import {createHash} from 'node:crypto';
import * as functions from '@google-cloud/functions-framework';
import type {Firestore} from '@google-cloud/firestore';

let db: Firestore | undefined;

function firestore(): Firestore {
  const {Firestore: Client} =
    require('@google-cloud/firestore') as typeof import('@google-cloud/firestore');
  db ??= new Client({projectId: process.env.GOOGLE_CLOUD_PROJECT});
  return db;
}

functions.http('floor', async (req, res) => {
  const {user, token} = req.body as {user: string; token: string};
  const store = firestore();
  const userRef = store.collection('users').doc(user);
  const tokenRef = store
    .collection('fcm_registration_tokens')
    .doc(createHash('sha256').update(token).digest('base64url'));
  await store.runTransaction(async tx => {
    await tx.getAll(userRef, tokenRef);
    const now = new Date();
    tx.set(tokenRef, {
      user_id: user,
      registration_id: token,
      created_at: now,
      updated_at: now,
    });
  });
  const fcm = await fetch(
    `http://${process.env.FCM_EMULATOR_HOST}/fcm/notification`,
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer owner',
        project_id: process.env.FCM_SENDER_ID ?? 'emulator',
        access_token_auth: 'true',
      },
      body: JSON.stringify({
        operation: 'create',
        notification_key_name: `floor_users-${user}`,
        registration_ids: [token],
      }),
    },
  );
  await fcm.text();
  res.status(201).json({user, token});
});
