/**
 * Memoizes the promise of an async initialisation. A failure is not memoized, so a
 * failed cold start is retried by the next request instead of poisoning the instance.
 */
export function lazy<T>(init: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null;
  return () => {
    promise ??= init().catch((err: unknown) => {
      promise = null;
      throw err;
    });
    return promise;
  };
}

/** Memoizes a synchronous initialisation, run on first call (for costly module-scope values). */
export function lazySync<T>(init: () => T): () => T {
  let value: {v: T} | null = null;
  return () => (value ??= {v: init()}).v;
}
