/**
 * `npm start`'s command line and PORT: the emulator ports follow PORT, mistakes come all at once.
 */
import {parseStackArgs} from '../../../tools/local-stack/args';

describe('npm start: arguments and ports', () => {
  it.each([
    [undefined, 40020, 40021, 40022, 40023],
    ['40120', 40120, 40121, 40122, 40123],
    ['0', 0, 0, 0, 0],
  ])(
    'PORT=%s puts the router on %d, Firestore on %d, FCM on %d and Pub/Sub on %d',
    (PORT, port, firestorePort, fcmPort, pubsubPort) => {
      expect(parseStackArgs([], {PORT})).toEqual({
        kind: 'start',
        options: {
          port,
          firestorePort,
          fcmPort,
          pubsubPort,
          persistDir: undefined,
        },
      });
    },
  );

  it.each([[['--persist', 'data']], [['--persist=data']]])(
    'reads %j as the persistence folder',
    argv => {
      expect(parseStackArgs(argv, {})).toMatchObject({
        kind: 'start',
        options: {persistDir: 'data'},
      });
    },
  );

  it('answers --help', () => {
    expect(parseStackArgs(['--help'], {PORT: 'nope'})).toEqual({kind: 'help'});
  });

  it('reports every problem at once', () => {
    expect(
      parseStackArgs(['--bogus', 'extra', '--persist'], {PORT: '65533'}),
    ).toEqual({
      kind: 'invalid',
      problems: [
        'unknown option --bogus',
        '--persist needs a value',
        'unexpected argument(s): extra',
        'PORT must be a port number from 0 to 65532, got "65533"',
      ],
    });
  });
});
