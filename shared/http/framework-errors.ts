/**
 * The Functions Framework parses request bodies with body-parser before our function
 * runs, and lets Express answer parse failures with an HTML page (with a stack trace
 * outside production). This installs a JSON final handler on the framework's own copy
 * of Express so those answers follow the API's contract: `{"message": …}` with the
 * parser's 4xx status. test/integration/http/framework-errors.test.ts pins the behaviour
 * against the installed framework version.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import {createLogger} from '../platform/logger';

/** Express's `application.handle`: the entry of every request into an app. */
export type Handle = (
  this: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  callback?: (err?: unknown) => void,
) => void;

const MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'charset.unsupported': 'The request body uses an unsupported charset.',
  'encoding.unsupported':
    'The request body uses an unsupported content encoding.',
  'request.aborted': 'The request was aborted.',
  'request.size.invalid': 'The request body does not match its Content-Length.',
};

let installed = false;

/** Answers `{"message": …}` with `status`, or just ends a response already started. */
export function answerJson(
  res: ServerResponse,
  status: number,
  message: string,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({message});
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** The final handler: body-parser errors keep their 4xx status; anything else is a 500. */
export function finalJsonHandler(req: IncomingMessage, res: ServerResponse) {
  return (err?: unknown): void => {
    req.resume(); // drain an unread body so the socket can be reused
    if (!err) return answerJson(res, 404, 'Not Found.');
    const e = err as {status?: number; type?: string};
    const status =
      typeof e.status === 'number' && e.status >= 400 && e.status < 500
        ? e.status
        : 500;
    const message =
      status === 500
        ? 'Server Error'
        : (MESSAGES[e.type ?? ''] ?? 'Bad Request.');
    if (status === 500) {
      // No runtime (and so no configured logger) exists before our function runs.
      createLogger().error('framework error', {error: String(err)});
    }
    answerJson(res, status, message);
  };
}

/**
 * Replaces `application.handle` on the framework's own copy of Express (not ours: the
 * framework resolves its own) with `wrap(previous)`. Express copies `application` onto each
 * app it creates, so this must run before the framework builds its server, which is the
 * case when called while the functions are registered.
 */
export function patchFrameworkApp(wrap: (previous: Handle) => Handle): void {
  const frameworkEntry = require.resolve('@google-cloud/functions-framework');
  const express = require(
    require.resolve('express', {paths: [frameworkEntry]}),
  ) as {application: {handle: Handle}};
  express.application.handle = wrap(express.application.handle);
}

/** Installs the JSON final handler once per process. */
export function installFrameworkErrorHandler(): void {
  if (installed) return;
  installed = true;
  patchFrameworkApp(
    original =>
      function handle(this: unknown, req, res, callback) {
        return original.call(
          this,
          req,
          res,
          callback ?? finalJsonHandler(req, res),
        );
      },
  );
}
