/**
 * Runs `work` over `items` with at most `limit` at once.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(
    Array.from({length: Math.min(limit, items.length)}, worker),
  );
}
