/**
 * How every command ends: with the exit code its `main` resolves to, or, when `main`
 * fails unexpectedly, with the error on stderr and exit code 1.
 */

/** The terminal, as the commands' `main` functions take it. */
export const stdio = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
};

/**
 * Exits with the code `run` resolves to.
 * @param options.stack - print an unexpected error's stack (commands for operators), or
 *   only its message (commands a newcomer types, where a stack says nothing more)
 */
export function exitWith(
  run: Promise<number>,
  {stack = true}: {stack?: boolean} = {},
): void {
  run.then(
    code => process.exit(code),
    (err: unknown) => {
      const text =
        err instanceof Error
          ? (stack && err.stack) || err.message
          : String(err);
      process.stderr.write(`${text}\n`);
      process.exit(1);
    },
  );
}
