import {timeZoneProblem} from '../../../tools/scheduler/time-zone';

const expected = (zone: string) =>
  `--time-zone must be an IANA time zone such as Europe/Amsterdam or UTC, got "${zone}"`;

describe('timeZoneProblem', () => {
  it.each([
    ['Europe/Amsterdam', 'a canonical IANA name'],
    ['UTC', 'UTC itself'],
    ['Etc/UTC', 'the IANA alias of UTC (the default)'],
    ['Asia/Kolkata', 'a current IANA name that ICU lists under its older name'],
    ['Europe/Kyiv', 'a renamed zone'],
    ['America/Argentina/Buenos_Aires', 'a three-part name'],
    ['Etc/GMT+1', 'a fixed-offset Etc zone'],
  ])('accepts %s (%s)', zone => {
    expect(timeZoneProblem(zone)).toBeUndefined();
  });

  it.each([
    ['Mars/Olympus', expected('Mars/Olympus')],
    ['Europe/Atlantis', expected('Europe/Atlantis')],
    [
      'europe/amsterdam',
      `${expected('europe/amsterdam')} (did you mean Europe/Amsterdam?)`,
    ],
    ['GMT', `${expected('GMT')} (did you mean UTC?)`],
    ['+01:00', expected('+01:00')],
    ['', expected('')],
  ])('refuses %j', (zone, problem) => {
    expect(timeZoneProblem(zone)).toBe(problem);
  });
});
