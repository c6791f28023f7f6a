import net from 'node:net';
import {
  checkEmulator,
  unreachableEmulators,
} from '../../../tools/cli/emulator-check';

describe('checkEmulator', () => {
  it('is up when the variable is not set: there is nothing to check', async () => {
    expect(await checkEmulator('FCM_EMULATOR_HOST', 'x', {})).toEqual({
      kind: 'up',
    });
  });

  it.each(['localhost', '127.0.0.1:', ':40021', '127.0.0.1:99999', 'h:4x'])(
    'refuses %j as not HOST:PORT',
    async value => {
      expect(
        await checkEmulator('FIRESTORE_EMULATOR_HOST', 'x', {
          FIRESTORE_EMULATOR_HOST: value,
        }),
      ).toEqual({
        kind: 'down',
        problem: `FIRESTORE_EMULATOR_HOST must be HOST:PORT (like 127.0.0.1:40021), got "${value}": fix it, or unset it.`,
      });
    },
  );

  it('is up when something accepts on the port, and names the variable when nothing does', async () => {
    const server = net.createServer(socket => socket.destroy());
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as net.AddressInfo;
    const env = {FCM_EMULATOR_HOST: `127.0.0.1:${port}`};
    expect(await checkEmulator('FCM_EMULATOR_HOST', 'do this', env)).toEqual({
      kind: 'up',
    });
    await new Promise(resolve => server.close(resolve));
    expect(
      await unreachableEmulators(
        ['FIRESTORE_EMULATOR_HOST', 'FCM_EMULATOR_HOST'],
        v => `restart what ${v} names`,
        env,
      ),
    ).toEqual([
      `The FCM emulator that FCM_EMULATOR_HOST=127.0.0.1:${port} names does not answer (connection refused): restart what FCM_EMULATOR_HOST names.`,
    ]);
  });

  it('is up when the process was busy past the timeout while the emulator accepted', async () => {
    const server = net.createServer(socket => socket.destroy());
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as net.AddressInfo;
    const env = {FCM_EMULATOR_HOST: `127.0.0.1:${port}`};
    try {
      const checking = checkEmulator('FCM_EMULATOR_HOST', 'x', env, 50);
      // Busy as a process loading modules: the timeout is due before the connect is seen.
      const until = Date.now() + 300;
      while (Date.now() < until);
      expect(await checking).toEqual({kind: 'up'});
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  });
});
