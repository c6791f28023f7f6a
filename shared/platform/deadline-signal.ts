/**
 * A signal that aborts when `parent` does or after `ms`, whichever comes first, for one
 * call. Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 a garbage
 * collection during the call can take the timeout away (the composite holds its sources
 * weakly, and fetch follows the composite weakly), and the call then waits for `parent`
 * alone (measured: a fetch to a server that never answers still hung after 3 s of a
 * 200 ms timeout; nodejs/node#55428). Here the timer holds the controller strongly.
 * `done()` clears the timer and the listener on `parent`, which may be a long-lived lease.
 */
export interface DeadlineSignal {
  signal: AbortSignal;
  done(): void;
}

export function deadlineSignal(
  parent: AbortSignal | null,
  ms: number,
): DeadlineSignal {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException(
          'The operation was aborted due to timeout',
          'TimeoutError',
        ),
      ),
    ms,
  );
  const onAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, {once: true});
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
