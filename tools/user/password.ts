/**
 * Reading the new user's password: at a terminal prompt that does not echo, or from stdin
 * (`--password-stdin`) for scripts. Never from the command line.
 */
import type {Readable, Writable} from 'node:stream';
import {promptHidden, type TerminalInput} from '../cli/hidden-prompt';

export type PasswordResult =
  {kind: 'ok'; password: string} | {kind: 'refused'; reason: string};

/** bcrypt uses the first 72 bytes only; a longer password would silently match its prefix. */
const MAX_BYTES = 72;
/** Laravel's default password rule (`Password::defaults()`, `min:8`), in characters. */
export const MIN_CHARACTERS = 8;

/** Checks a password the way the API will use it. */
export function checkPassword(password: string): PasswordResult {
  if (password.length === 0)
    return {kind: 'refused', reason: 'the password is empty'};
  const characters = Array.from(password).length;
  if (characters < MIN_CHARACTERS)
    return {
      kind: 'refused',
      reason: `the password has ${characters} character${characters === 1 ? '' : 's'}; it needs at least ${MIN_CHARACTERS} (Laravel's default rule)`,
    };
  if (Buffer.byteLength(password) > MAX_BYTES)
    return {
      kind: 'refused',
      reason: `the password is longer than ${MAX_BYTES} bytes (bcrypt ignores the rest)`,
    };
  return {kind: 'ok', password};
}

/** Reads the whole of `input` as the password, without its final line break. */
export async function readPasswordFromStdin(
  input: Readable,
): Promise<PasswordResult> {
  let text = '';
  input.setEncoding('utf8');
  for await (const chunk of input) {
    text += chunk as string;
    if (text.length > 4096)
      return {kind: 'refused', reason: 'stdin holds more than one password'};
  }
  return checkPassword(text.replace(/\r?\n$/, ''));
}

/** Prompts twice (a typo in a new password would lock its user out) and checks the result. */
export async function promptNewPassword(
  input: TerminalInput,
  output: Writable,
): Promise<PasswordResult> {
  if (!input.isTTY)
    return {
      kind: 'refused',
      reason:
        'stdin is not a terminal, so there is no prompt: pipe the password with --password-stdin',
    };
  const first = await promptHidden('Password: ', input, output);
  if (first === null) return {kind: 'refused', reason: 'cancelled'};
  const checked = checkPassword(first);
  if (checked.kind === 'refused') return checked;
  const again = await promptHidden('Password (again): ', input, output);
  if (again === null) return {kind: 'refused', reason: 'cancelled'};
  if (again !== first)
    return {kind: 'refused', reason: 'the two passwords differ'};
  return checked;
}
