/**
 * Reading the new user's password: the prompt echoes nothing, stdin gives one line.
 */
import {PassThrough, Readable} from 'node:stream';
import {
  checkPassword,
  promptNewPassword,
  readPasswordFromStdin,
} from '../../../tools/user/password';
import type {TerminalInput} from '../../../tools/cli/hidden-prompt';

/** A stand-in terminal: what is typed goes in, what the command prints comes out. */
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

describe('the password prompt', () => {
  it('reads the password twice with echo off and prints none of it', async () => {
    const tty = terminal();
    const result = promptNewPassword(tty.input, tty.output);
    // Typed with a typo fixed by backspace, then pasted in one chunk.
    tty.input.write('s3cX\u007fR');
    tty.input.write('e+word\r');
    await new Promise(resolve => setImmediate(resolve));
    tty.input.write('s3cRe+word\r');
    expect(await result).toEqual({kind: 'ok', password: 's3cRe+word'});
    expect(tty.printed()).toBe('Password: \nPassword (again): \n');
    expect(tty.rawModes).toEqual([true, false, true, false]);
  });

  it('refuses two different passwords', async () => {
    const tty = terminal();
    const result = promptNewPassword(tty.input, tty.output);
    tty.input.write('password one\r');
    await new Promise(resolve => setImmediate(resolve));
    tty.input.write('password two\r');
    expect(await result).toEqual({
      kind: 'refused',
      reason: 'the two passwords differ',
    });
  });

  it("refuses a password under 8 characters, Laravel's default rule, without asking again", async () => {
    const tty = terminal();
    const result = promptNewPassword(tty.input, tty.output);
    tty.input.write('s3cRe+\r');
    expect(await result).toEqual({
      kind: 'refused',
      reason:
        "the password has 6 characters; it needs at least 8 (Laravel's default rule)",
    });
    expect(tty.printed()).toBe('Password: \n');
  });

  it('stops on Ctrl+C', async () => {
    const tty = terminal();
    const result = promptNewPassword(tty.input, tty.output);
    tty.input.write('abc\u0003');
    expect(await result).toEqual({kind: 'refused', reason: 'cancelled'});
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('refuses to prompt when stdin is not a terminal, naming --password-stdin', async () => {
    const result = await promptNewPassword(
      Readable.from([]),
      new PassThrough(),
    );
    expect(result).toEqual({
      kind: 'refused',
      reason:
        'stdin is not a terminal, so there is no prompt: pipe the password with --password-stdin',
    });
  });
});

describe('--password-stdin', () => {
  it.each([
    ['s3cRe+pw\n', 's3cRe+pw'],
    ['s3cRe+pw\r\n', 's3cRe+pw'],
    ['with spaces  ', 'with spaces  '],
    ['éééééééé', 'éééééééé'],
  ])('reads %j as %j', async (stdin, password) => {
    expect(await readPasswordFromStdin(Readable.from([stdin]))).toEqual({
      kind: 'ok',
      password,
    });
  });

  it.each([
    ['', 'the password is empty'],
    ['\n', 'the password is empty'],
    [
      's3cRe+\n',
      "the password has 6 characters; it needs at least 8 (Laravel's default rule)",
    ],
    [
      'x',
      "the password has 1 character; it needs at least 8 (Laravel's default rule)",
    ],
    [
      'é'.repeat(37),
      'the password is longer than 72 bytes (bcrypt ignores the rest)',
    ],
  ])('refuses %j: %s', async (stdin, reason) => {
    expect(await readPasswordFromStdin(Readable.from([stdin]))).toEqual({
      kind: 'refused',
      reason,
    });
  });

  it('accepts exactly 72 bytes', () => {
    expect(checkPassword('p'.repeat(72)).kind).toBe('ok');
  });
});
