import {getEventListeners} from 'node:events';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import {deadlineSignal} from '../../../shared/platform/deadline-signal';

// Garbage collection on demand, as `node --expose-gc` gives it.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** A server that accepts requests and never answers them, as FCM's timeout fault does. */
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer(() => undefined);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

/** How a fetch under `signal` ended, collecting garbage all the while. */
async function fetchEnding(signal: AbortSignal): Promise<string> {
  const collecting = setInterval(gc, 10);
  try {
    return await Promise.race([
      fetch(url, {signal}).then(
        () => 'answered',
        (err: Error) => `${err.name}: ${err.message}`,
      ),
      new Promise<string>(resolve =>
        setTimeout(() => resolve('still waiting after 3 s'), 3000),
      ),
    ]);
  } finally {
    clearInterval(collecting);
  }
}

describe('deadlineSignal', () => {
  it('ends a call at its deadline, even when garbage is collected meanwhile', async () => {
    const lease = new AbortController();
    const deadline = deadlineSignal(lease.signal, 200);
    expect(await fetchEnding(deadline.signal)).toBe(
      'TimeoutError: The operation was aborted due to timeout',
    );
    deadline.done();
  });

  it('ends a call when the parent aborts first, with the parent reason', async () => {
    const lease = new AbortController();
    const deadline = deadlineSignal(lease.signal, 5000);
    setTimeout(() => lease.abort(new Error('the lease ended')), 100);
    expect(await fetchEnding(deadline.signal)).toBe('Error: the lease ended');
    deadline.done();
  });

  it('is aborted at once under an aborted parent, and works without one', () => {
    const lease = new AbortController();
    lease.abort(new Error('over'));
    const under = deadlineSignal(lease.signal, 5000);
    expect(under.signal.aborted).toBe(true);
    under.done();
    const alone = deadlineSignal(null, 5000);
    expect(alone.signal.aborted).toBe(false);
    alone.done();
  });

  it('leaves nothing on a long-lived parent once done', () => {
    const lease = new AbortController();
    const deadline = deadlineSignal(lease.signal, 5000);
    expect(getEventListeners(lease.signal, 'abort')).toHaveLength(1);
    deadline.done();
    expect(getEventListeners(lease.signal, 'abort')).toHaveLength(0);
    lease.abort();
    expect(deadline.signal.aborted).toBe(false);
  });
});
