/**
 * `npm run import-laravel`'s command line: every problem at once, never the password (a
 * password in the URL is refused, naming where it goes instead), and the wall-clock
 * timestamps read in the app's time zone.
 */
import {
  parseImportArgs,
  PASSWORD_IN_URL,
} from '../../../tools/import-laravel/args';
import {wallClockToDate} from '../../../tools/import-laravel/wall-clock';

describe('npm run import-laravel: arguments', () => {
  it('reports every bad flag at once and never the password', () => {
    const parsed = parseImportArgs([
      '--mysql',
      'mysql://u:hunter2@db:3306/',
      '--since-user-id',
      'x',
      '--time-zone',
      'Mars/Base',
      '--concurrency',
      '0',
      '--bogus',
      'stray',
    ]);
    expect(parsed.kind).toBe('invalid');
    const problems = parsed.kind === 'invalid' ? parsed.problems : [];
    expect(problems).toEqual([
      'unknown option --bogus',
      'unexpected argument "stray"',
      PASSWORD_IN_URL,
      '--mysql must end with the database name (…/DB)',
      '--since-user-id must be a whole number (a user id)',
      '--time-zone must be an IANA time zone such as UTC or Europe/Paris, got "Mars/Base"',
      '--concurrency must be a whole number from 1 to 500, got "0"',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses a password in the URL, naming LARAVEL_DB_PASSWORD and the prompt', () => {
    expect(
      parseImportArgs(['--mysql', 'mysql://laravel:s3cret@127.0.0.1/app']),
    ).toEqual({kind: 'invalid', problems: [PASSWORD_IN_URL]});
    expect(PASSWORD_IN_URL).toContain('LARAVEL_DB_PASSWORD');
    expect(PASSWORD_IN_URL).toContain('prompt');
    // Even an empty password (`user:@host`) is no password: nothing to refuse.
    expect(
      parseImportArgs(['--mysql', 'mysql://laravel:@127.0.0.1/app']).kind,
    ).toBe('run');
  });

  it('reads a URL without a password, with the defaults', () => {
    const parsed = parseImportArgs([
      '--mysql',
      'mysql://laravel@127.0.0.1/app',
      '--dry-run',
      '--since-user-id',
      '41',
    ]);
    expect(parsed).toEqual({
      kind: 'run',
      args: {
        mysql: {
          host: '127.0.0.1',
          port: 3306,
          user: 'laravel',
          database: 'app',
        },
        dryRun: true,
        sinceUserId: 41n,
        timeZone: 'UTC',
        reconcile: false,
        concurrency: 64,
        reportPath: 'import-laravel-report.json',
        pageSize: 1000,
        progressEvery: 10000,
      },
    });
  });

  it('answers --help with the usage', () => {
    expect(parseImportArgs(['--help', '--bogus'])).toEqual({kind: 'help'});
  });

  it('reads wall-clock timestamps in the app time zone', () => {
    expect(
      wallClockToDate('2024-07-01 12:00:00', 'Europe/Paris')?.toISOString(),
    ).toBe('2024-07-01T10:00:00.000Z');
    expect(
      wallClockToDate('2024-01-01 12:00:00', 'Europe/Paris')?.toISOString(),
    ).toBe('2024-01-01T11:00:00.000Z');
    expect(wallClockToDate('2024-01-01 12:00:00', 'UTC')?.toISOString()).toBe(
      '2024-01-01T12:00:00.000Z',
    );
    expect(wallClockToDate(null, 'UTC')).toBeNull();
    expect(wallClockToDate('0000-00-00 00:00:00', 'UTC')).toBeNull();
  });
});
