import type {CloudEvent} from '@google-cloud/functions-framework';
import {
  eventEndpoint,
  Redeliver,
  type EventAnswer,
} from '../../../shared/http/event-endpoint';
import {AppError, unavailable} from '../../../shared/platform/errors';
import {createLogger} from '../../../shared/platform/logger';

const EVENT = {
  id: 'e1',
  type: 't',
  source: 's',
  specversion: '1.0',
} as CloudEvent<unknown>;

function runtimeWith(lines: Array<Record<string, unknown>>) {
  return {
    config: {projectId: 'p1'},
    log: createLogger('DEBUG', line => lines.push(JSON.parse(line))),
  };
}

describe('event endpoints', () => {
  it('acknowledges an answer other than retry, logging nothing of its own', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const fn = eventEndpoint(
      'deliverNotification',
      () => runtimeWith(lines),
      async (): Promise<EventAnswer> => ({kind: 'recorded'}),
    );
    await expect(fn(EVENT)).resolves.toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('fails the invocation of a retry answer, saying why once at WARNING, with a one-line structured stack', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const fn = eventEndpoint(
      'deliverNotification',
      () => runtimeWith(lines),
      async () => ({kind: 'retry', why: 'waiting out the quota'}),
    );
    const failure = await fn(EVENT).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(Redeliver);
    expect(JSON.parse((failure as Error).stack!)).toEqual({
      severity: 'DEBUG',
      message:
        'deliverNotification failed the event so that Pub/Sub delivers it again (the line before says why)',
      eventId: 'e1',
    });
    expect(lines).toEqual([
      {
        severity: 'WARNING',
        message: 'redelivered later',
        function: 'deliverNotification',
        eventId: 'e1',
        why: 'waiting out the quota',
      },
    ]);
  });

  it.each([
    [
      'a dependency that is unavailable, at WARNING',
      unavailable('Firestore', new Error('deadline')),
      'WARNING',
      'redelivered later: a dependency is unavailable',
    ],
    [
      'a bug, at ERROR with its stack',
      new TypeError('x is undefined'),
      'ERROR',
      'unhandled error; redelivered later',
    ],
    [
      'an AppError that is not a 503, at ERROR',
      new AppError('internal', 'Server Error'),
      'ERROR',
      'unhandled error; redelivered later',
    ],
  ])('fails the invocation of %s', async (_name, error, severity, message) => {
    const lines: Array<Record<string, unknown>> = [];
    const fn = eventEndpoint(
      'deliverNotification',
      () => runtimeWith(lines),
      async () => {
        throw error;
      },
    );
    await expect(fn(EVENT)).rejects.toBeInstanceOf(Redeliver);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({severity, message});
    if (severity === 'ERROR')
      expect(lines[0]!.stack_trace).toContain(error.message);
  });

  it('fails every invocation while the configuration is invalid', async () => {
    const fn = eventEndpoint(
      'deliverNotification',
      () => {
        throw new Error('Invalid configuration: NOTIFY_TOPIC must be…');
      },
      async () => ({kind: 'recorded'}),
    );
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation(() => true);
    try {
      await expect(fn(EVENT)).rejects.toBeInstanceOf(Redeliver);
      expect(String(write.mock.calls[0]![0])).toContain(
        '"message":"Error: Invalid configuration: NOTIFY_TOPIC must be…"',
      );
    } finally {
      write.mockRestore();
    }
  });
});
