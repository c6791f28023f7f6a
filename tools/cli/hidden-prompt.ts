/**
 * A question at the terminal whose answer is not echoed (a password), for every command
 * that asks for a secret.
 */
import type {Readable, Writable} from 'node:stream';

/** A terminal-like input: process.stdin, or a stream standing in for it in tests. */
export type TerminalInput = Readable & {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
};

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);

/** Asks for one line at the terminal with echo off; resolves null on Ctrl+C or Ctrl+D. */
export function promptHidden(
  question: string,
  input: TerminalInput,
  output: Writable,
): Promise<string | null> {
  return new Promise(resolve => {
    let typed = '';
    output.write(question);
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    const finish = (value: string | null) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (chunk: string) => {
      // A paste arrives as one chunk: take it character by character.
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(typed);
        if (char === CTRL_C || (char === CTRL_D && typed === ''))
          return finish(null);
        if (BACKSPACES.has(char))
          typed = Array.from(typed).slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
