/**
 * Wraps an endpoint: a per-request logger carrying the trace id, one access log line,
 * and the single error-to-response translation.
 */
import type {
  HttpFunction,
  Request,
  Response,
} from '@google-cloud/functions-framework';
import {createLogger, traceFields, type Logger} from '../platform/logger';
import type {Runtime} from '../runtime';
import {installBodyGuard} from './body-guard';
import {installFrameworkErrorHandler} from './framework-errors';
import {sendError} from './respond';

/** What the wrapper itself needs of a runtime; each endpoint names the rest it uses. */
export type HandlerRuntime = Pick<Runtime, 'log'> & {
  config: Pick<Runtime['config'], 'projectId'>;
};

export type Endpoint<R extends HandlerRuntime = Runtime> = (
  req: Request,
  res: Response,
  runtime: R,
  log: Logger,
) => Promise<void>;

/** Builds an HTTP function from an endpoint and a runtime provider. */
export function endpoint<R extends HandlerRuntime>(
  name: string,
  getRuntime: () => R,
  handle: Endpoint<R>,
): HttpFunction {
  installFrameworkErrorHandler();
  // Installed second so that it runs first, before the framework reads any body byte.
  installBodyGuard(() => getRuntime().log.child({component: 'body-guard'}));
  return async (req, res) => {
    const started = performance.now();
    let runtime: R;
    try {
      runtime = getRuntime();
    } catch (err) {
      // Invalid configuration: fail closed, loudly.
      // There is no configured logger without a configuration: use the default one.
      createLogger().error(String(err), {function: name});
      res.status(500).json({message: 'Server Error'});
      return;
    }
    const log = runtime.log.child({
      function: name,
      ...traceFields(
        req.header('x-cloud-trace-context'),
        runtime.config.projectId,
      ),
    });
    try {
      await handle(req, res, runtime, log);
    } catch (err) {
      sendError(res, err, log);
    }
    log.debug('request', {
      httpRequest: {
        requestMethod: req.method,
        status: res.statusCode,
        latency: `${((performance.now() - started) / 1000).toFixed(3)}s`,
      },
    });
  };
}
