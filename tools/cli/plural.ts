/** `1 user`, `2 users`: a count and its word, for the commands' messages. */
export const plural = (n: number, word: string) =>
  `${n} ${word}${n === 1 ? '' : 's'}`;
