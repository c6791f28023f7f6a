/**
 * The floors' FCM send: one HTTP v1 `messages:send` to the FCM emulator with `fetch`, the
 * least a send can be (no retries, no result mapping). bench/floor.ts and
 * bench/batch-floor.ts use it.
 */

/** One send to `token` under `project` at `base` (`http://host:port`); true on a 2xx. */
export async function sendV1(
  base: string,
  project: string,
  token: string,
): Promise<boolean> {
  const res = await fetch(`${base}/v1/projects/${project}/messages:send`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer owner',
    },
    body: JSON.stringify({
      message: {token, notification: {title: 'Bench', body: 'floor'}},
    }),
  });
  await res.arrayBuffer();
  return res.ok;
}
