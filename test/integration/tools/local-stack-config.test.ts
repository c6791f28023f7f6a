/**
 * `npm start` refuses a configuration the functions would refuse, with the functions' own
 * sentence, before it starts any emulator (so nothing is left holding a port).
 */
import {findFreePort} from '../../../tools/firestore-emulator/free-port';
import {buildOnce, cleanEnv, isListening, npmRun} from './stack-process';

describe('npm start with an invalid configuration', () => {
  beforeAll(() => buildOnce(), 120_000);

  it('exits 1 naming every problem, and starts nothing', async () => {
    // The configuration is refused before the ports are even looked at.
    const port = await findFreePort();
    const env = cleanEnv({
      PORT: String(port),
      LOG_LEVEL: 'LOUD',
      MAX_DEVICES_PER_USER: '0',
    });
    const run = await npmRun(['start'], env);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'npm start failed: Invalid configuration: MAX_DEVICES_PER_USER must be between 1 and 500, got 0; ' +
        'LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got "LOUD". ' +
        'The functions would not start; fix the environment and run npm start again.',
    );
    for (const p of [port, port + 1, port + 2, port + 3])
      expect(await isListening(p)).toBe(false);
  });
});
