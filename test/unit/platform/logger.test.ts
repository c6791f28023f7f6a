/**
 * The log line shape Cloud Logging and Cloud Error Reporting read: pinned, because a change
 * here silently stops errors from being reported.
 */
import {
  REPORTED_ERROR_EVENT,
  createLogger,
} from '../../../shared/platform/logger';

function capture(level: 'DEBUG' | 'INFO' = 'DEBUG') {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(level, line => lines.push(JSON.parse(line)));
  return {log, lines};
}

describe('createLogger', () => {
  it("puts the stack of an ERROR line's error in stack_trace, once", () => {
    const {log, lines} = capture();
    const error = new Error('boom', {cause: new Error('root cause')});
    log.child({function: 'addDevice'}).error('unhandled error', {error});
    expect(lines).toEqual([
      {
        severity: 'ERROR',
        message: 'unhandled error',
        function: 'addDevice',
        stack_trace: error.stack,
        error: {
          name: 'Error',
          message: 'boom',
          cause: {name: 'Error', message: 'root cause'},
        },
      },
    ]);
    expect((lines[0]!.stack_trace as string).split('\n')[0]).toBe(
      'Error: boom',
    );
  });

  it('marks an ERROR line without an error as a ReportedErrorEvent', () => {
    const {log, lines} = capture();
    log.error('Invalid configuration: LOG_LEVEL must be …', {
      variables: ['LOG_LEVEL'],
    });
    expect(lines).toEqual([
      {
        severity: 'ERROR',
        message: 'Invalid configuration: LOG_LEVEL must be …',
        '@type': REPORTED_ERROR_EVENT,
        variables: ['LOG_LEVEL'],
      },
    ]);
  });

  it('keeps the stack inside the field on lines below ERROR, which Error Reporting ignores', () => {
    const {log, lines} = capture();
    const error = new Error('transient');
    log.warn('could not prune a stale token', {error});
    expect(lines).toEqual([
      {
        severity: 'WARNING',
        message: 'could not prune a stale token',
        error: {name: 'Error', message: 'transient', stack: error.stack},
      },
    ]);
  });

  it('drops lines below its level', () => {
    const {log, lines} = capture('INFO');
    log.debug('hidden');
    log.info('shown');
    expect(lines.map(l => l.message)).toEqual(['shown']);
  });
});
