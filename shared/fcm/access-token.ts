/**
 * OAuth2 access tokens for FCM's device-group API, from firebase-admin's credential
 * (firebase-admin has no device-group API of its own). Tokens are cached until shortly
 * before they expire; a failed fetch is not cached.
 */
import type {App} from 'firebase-admin/app';

/** An OAuth2 access token for FCM; the fetch ends when `signal` aborts. */
export type AccessTokenSource = (signal: AbortSignal) => Promise<string>;

const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** A token source backed by the app's credential, cached per instance. */
export function credentialTokenSource(
  getApp: () => Promise<App>,
  now: () => number = Date.now,
): AccessTokenSource {
  let cached: {token: string; expiresAt: number} | null = null;
  let inflight: Promise<string> | null = null;
  return async signal => {
    if (cached && cached.expiresAt - REFRESH_MARGIN_MS > now())
      return cached.token;
    inflight ??= (async () => {
      try {
        const app = await getApp();
        const credential = app.options.credential;
        if (!credential)
          throw new Error('firebase-admin app has no credential');
        const {access_token: token, expires_in: expiresIn} =
          await credential.getAccessToken();
        cached = {token, expiresAt: now() + expiresIn * 1000};
        return token;
      } finally {
        inflight = null;
      }
    })();
    // A shared fetch may outlive this caller, but this caller never waits past its signal.
    return abortable(inflight, signal);
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, {once: true});
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** The fixed token used against the local FCM emulator, which needs no Google credentials. */
export const emulatorTokenSource: AccessTokenSource = async () => 'owner';
