/**
 * jest's node environment, with the code's own log lines kept back: the functions and tools
 * log JSON lines (`{"severity":…}`) on stdout and stderr, and tests that exercise failures
 * make them log ERRORs on purpose, so a green run used to read red. Each test's log lines
 * are held while it runs, dropped when it passes, and printed under the test's name when it
 * (or a hook) fails. Everything else a test prints (measurements) passes through.
 */
import type {Circus} from '@jest/types';
import {TestEnvironment} from 'jest-environment-node';

type Write = typeof process.stdout.write;

const LOG_LINE = /^\{"severity":"/;

export default class QuietLogsEnvironment extends TestEnvironment {
  private held: string[] = [];
  private restore: Array<() => void> = [];
  private original?: Write;

  override async setup(): Promise<void> {
    await super.setup();
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write;
      if (stream === process.stdout) this.original = write;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        const text =
          typeof chunk === 'string'
            ? chunk
            : Buffer.isBuffer(chunk)
              ? chunk.toString('utf8')
              : undefined;
        if (text !== undefined && LOG_LINE.test(text)) {
          this.held.push(text.endsWith('\n') ? text : `${text}\n`);
          // Honour the callback of write(chunk, [encoding], callback).
          const callback = rest.find(r => typeof r === 'function') as
            (() => void) | undefined;
          if (callback) process.nextTick(callback);
          return true;
        }
        return (write as (...args: unknown[]) => boolean).call(
          stream,
          chunk,
          ...rest,
        );
      }) as Write;
      this.restore.push(() => {
        stream.write = write;
      });
    }
  }

  override async teardown(): Promise<void> {
    for (const undo of this.restore.splice(0)) undo();
    this.held = [];
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event): void {
    switch (event.name) {
      case 'test_start':
        // Lines of the hooks before it, which passed, are dropped.
        this.held = [];
        break;
      case 'test_done':
        if (event.test.errors.length > 0) this.print(testName(event.test));
        this.held = [];
        break;
      case 'hook_failure':
        this.print(`${event.hook.type} hook`);
        this.held = [];
        break;
      default:
        break;
    }
  }

  private print(what: string): void {
    if (this.held.length === 0 || !this.original) return;
    const lines = this.held.join('');
    this.original.call(
      process.stdout,
      `\n--- log lines of the failed ${what} ---\n${lines}--- end of log lines ---\n`,
    );
  }
}

function testName(test: Circus.TestEntry): string {
  const names: string[] = [];
  for (
    let block: Circus.TestEntry | Circus.DescribeBlock | undefined = test;
    block && block.name !== 'ROOT_DESCRIBE_BLOCK';
    block = block.parent
  )
    names.unshift(block.name);
  return `test "${names.join(' › ')}"`;
}
