/**
 * The one place that turns results and errors into HTTP answers.
 */
import type {Response} from '@google-cloud/functions-framework';
import {AppError, isAppError} from '../platform/errors';
import type {Logger} from '../platform/logger';

/** The 404 of a path no function serves. */
export const notFound = () => new AppError('not-found', 'Not Found.');

/** The 405 of a method the path does not take, with `Allow`. */
export function methodNotAllowed(allowed: string): AppError {
  return new AppError(
    'method-not-allowed',
    'The method is not supported for this route.',
    {headers: {Allow: allowed}},
  );
}

/** Sends `body` as JSON with `status`. */
export function sendJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.status(status).set(headers).json(body);
}

/** Sends an empty answer (204 and friends). */
export function sendEmpty(res: Response, status: number): void {
  res.status(status).end();
}

/**
 * Answers an error. AppErrors carry their status and public body; anything else is a
 * bug: it is logged with its stack and answers a generic 500 that echoes nothing.
 */
export function sendError(res: Response, err: unknown, log: Logger): void {
  if (res.headersSent) {
    log.error('error after the response was sent', {error: err});
    return;
  }
  if (isAppError(err)) {
    const fields = {
      status: err.status,
      code: err.code,
      ...(err.cause ? {cause: err.cause} : {}),
    };
    if (err.status >= 500) log.error(err.message, fields);
    else log.info(err.message, fields);
    sendJson(res, err.status, err.body, err.headers);
    return;
  }
  log.error('unhandled error', {error: err});
  sendJson(res, 500, {message: 'Server Error'});
}
