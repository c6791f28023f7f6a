/**
 * The `endpoint` of event functions (handler.ts is the HTTP one): the Functions Framework
 * hands a CloudEvent (from an Eventarc trigger, or a Pub/Sub push body it converts) to
 * the function, and a rejected promise makes the invocation fail, so that Pub/Sub
 * redelivers the event after its backoff. This wrapper gives the event a logger, logs why
 * an event is redelivered once (WARNING for an expected wait, ERROR with the stack for a
 * bug), and fails the invocation with a one-line error: the framework prints a failed
 * event's `err.stack` on stderr, and a whole stack there for every quota wait would bury
 * the real ERRORs.
 */
import type {CloudEvent} from '@google-cloud/functions-framework';
import {isAppError} from '../platform/errors';
import {createLogger, type Logger} from '../platform/logger';
import type {HandlerRuntime} from './handler';

/** What an event handler decides: acknowledge, or have Pub/Sub deliver the event again. */
export type EventAnswer = {kind: 'retry'; why: string} | {kind: string};

export type EventHandler<R extends HandlerRuntime> = (
  event: CloudEvent<unknown>,
  runtime: R,
  log: Logger,
) => Promise<EventAnswer>;

/**
 * The error a failed invocation ends with. Its `stack`, which the framework prints, is a
 * structured DEBUG line pointing at the line that said why.
 */
export class Redeliver extends Error {
  constructor(functionName: string, eventId: string | undefined) {
    const message = `${functionName} failed the event so that Pub/Sub delivers it again (the line before says why)`;
    super(message);
    this.name = 'Redeliver';
    this.stack = JSON.stringify({severity: 'DEBUG', message, eventId});
  }
}

/** Builds a CloudEvent function from a handler and a runtime provider. */
export function eventEndpoint<R extends HandlerRuntime>(
  name: string,
  getRuntime: () => R,
  handle: EventHandler<R>,
): (event: CloudEvent<unknown>) => Promise<void> {
  return async event => {
    let runtime: R;
    try {
      runtime = getRuntime();
    } catch (err) {
      // Invalid configuration: nothing is acknowledged until a fixed revision runs.
      createLogger().error(String(err), {function: name});
      throw new Redeliver(name, event.id);
    }
    const log = runtime.log.child({function: name, eventId: event.id});
    let answer: EventAnswer;
    try {
      answer = await handle(event, runtime, log);
    } catch (err) {
      if (isAppError(err) && err.status === 503)
        log.warn('redelivered later: a dependency is unavailable', {
          cause: String(err.cause ?? err.message),
        });
      else log.error('unhandled error; redelivered later', {error: err});
      throw new Redeliver(name, event.id);
    }
    if (answer.kind === 'retry') {
      log.warn('redelivered later', {why: (answer as {why: string}).why});
      throw new Redeliver(name, event.id);
    }
  };
}
