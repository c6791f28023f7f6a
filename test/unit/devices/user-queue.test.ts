import {UserQueue} from '../../../shared/devices/user-queue';

describe('UserQueue', () => {
  it("runs one user's work one at a time and other users' side by side", async () => {
    const queue = new UserQueue(10);
    const log: string[] = [];
    const step = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise(resolve => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      queue.run('1', step('a', 30)),
      queue.run('1', step('b', 1)),
      queue.run('2', step('c', 1)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual([
      'start a',
      'start c',
      'end c',
      'end a',
      'start b',
      'end b',
    ]);
  });

  it('refuses work beyond the waiting cap with the busy 503, and goes on after a failure', async () => {
    const queue = new UserQueue(1);
    let release!: () => void;
    const held = queue.run('1', () => new Promise<void>(r => (release = r)));
    const waiting = queue.run('1', async () => 'waited');
    await expect(queue.run('1', async () => 'over')).rejects.toMatchObject({
      status: 503,
      headers: {'Retry-After': '5'},
    });
    release();
    await held;
    expect(await waiting).toBe('waited');
    await expect(
      queue.run('1', async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await queue.run('1', async () => 'after')).toBe('after');
  });
});
