import {stopSignals} from '../../../tools/local-stack/stop-signals';

describe('stopSignals', () => {
  it.each<[string, number[], string[]]>([
    ['one signal is a stop', [0], ['stop']],
    [
      "a terminal's Ctrl+C (its copy and npm's, ms apart) is one stop",
      [0, 3],
      ['stop', 'same'],
    ],
    [
      'a second Ctrl+C after the window forces, once',
      [0, 2, 900, 901, 2000],
      ['stop', 'same', 'force', 'same', 'same'],
    ],
    [
      'a signal at the window’s end is a second request',
      [0, 500],
      ['stop', 'force'],
    ],
  ])('%s', (_name, times, meanings) => {
    let i = 0;
    const meaning = stopSignals(() => times[i]!, 500);
    const got: string[] = [];
    for (i = 0; i < times.length; i++) got.push(meaning().kind);
    expect(got).toEqual(meanings);
  });
});
