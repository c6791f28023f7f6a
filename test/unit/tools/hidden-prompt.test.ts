/**
 * The hidden prompt the commands share (a new user's password, the importer's MySQL
 * password): nothing typed is echoed, and the end of input or Ctrl+D cancels.
 */
import {PassThrough} from 'node:stream';
import {
  promptHidden,
  type TerminalInput,
} from '../../../tools/cli/hidden-prompt';

function terminal() {
  const input = new PassThrough() as PassThrough & TerminalInput;
  const rawModes: boolean[] = [];
  input.isTTY = true;
  input.setRawMode = (mode: boolean) => rawModes.push(mode);
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  return {input, output, rawModes, printed: () => printed};
}

describe('promptHidden', () => {
  it('answers the line typed up to Enter, printing only the question', async () => {
    const tty = terminal();
    const answer = promptHidden('Secret: ', tty.input, tty.output);
    tty.input.write('ab\bc\u007fd\n');
    expect(await answer).toBe('ad');
    expect(tty.printed()).toBe('Secret: \n');
    expect(tty.rawModes).toEqual([true, false]);
  });

  it.each([
    ['Ctrl+D on an empty line', '\u0004'],
    ['Ctrl+C after some typing', 'abc\u0003'],
  ])('answers null on %s', async (_, typed) => {
    const tty = terminal();
    const answer = promptHidden('Secret: ', tty.input, tty.output);
    tty.input.write(typed);
    expect(await answer).toBeNull();
    expect(tty.printed()).toBe('Secret: \n');
  });

  it('takes Ctrl+D after some typing as nothing (only an empty line ends with it)', async () => {
    const tty = terminal();
    const answer = promptHidden('Secret: ', tty.input, tty.output);
    tty.input.write('ab\u0004c\r');
    expect(await answer).toBe('abc');
  });
});
