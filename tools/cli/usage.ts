/**
 * How every command answers a command line that asks for help or is wrong.
 */

/** A command line that does not run the command. */
export type UsageAnswer =
  {kind: 'help'} | {kind: 'invalid'; problems: string[]};

/** A parsed command line: the command's arguments, or the help or problems to answer. */
export type CommandLine<Args> = {kind: 'run'; args: Args} | UsageAnswer;

/**
 * Prints the usage on stdout for --help and answers exit code 0; otherwise prints each
 * problem on a line of its own, a blank line and the usage on stderr, and answers 2.
 * @param prefix - put before each problem: `error: ` for a person at a terminal, the
 *   tool's name for one that deploy.sh runs (`plan-env: `), nothing where a script reads
 *   the lines up to the blank one (the scheduler, whose lines deploy.sh repeats)
 */
export function answerUsage(
  answer: UsageAnswer,
  usage: string,
  io: {out(text: string): void; err(text: string): void},
  prefix = 'error: ',
): 0 | 2 {
  if (answer.kind === 'help') {
    io.out(`${usage}\n`);
    return 0;
  }
  io.err(`${answer.problems.map(p => `${prefix}${p}\n`).join('')}\n${usage}\n`);
  return 2;
}
