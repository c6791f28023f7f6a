/**
 * Tells one request to stop from a second one. A terminal's Ctrl+C sends SIGINT to the whole
 * foreground process group, so the stack gets it from the terminal and again from npm, which
 * forwards what it receives: two signals, a few milliseconds apart, for one key press. The
 * copies that arrive within a short window of the first are that same request; a signal
 * after it is a second request, which cuts the save short.
 */

export type SignalMeaning =
  /** The first request: stop, saving the data. */
  | {kind: 'stop'}
  /** A copy of a request already being acted on: nothing more to do. */
  | {kind: 'same'}
  /** A second request while stopping: stop now, without finishing the save. */
  | {kind: 'force'};

/**
 * How long after the first signal a signal still counts as a copy of it: npm's copy comes
 * within milliseconds, or later on a busy machine; a person's second press comes later still.
 */
export const SAME_REQUEST_MS = 1000;

/** Returns a function that gives the meaning of each stop signal received, in order. */
export function stopSignals(
  now: () => number = Date.now,
  sameRequestMs = SAME_REQUEST_MS,
): () => SignalMeaning {
  let first: number | undefined;
  let forced = false;
  return () => {
    const at = now();
    if (first === undefined) {
      first = at;
      return {kind: 'stop'};
    }
    if (forced || at - first < sameRequestMs) return {kind: 'same'};
    forced = true;
    return {kind: 'force'};
  };
}
