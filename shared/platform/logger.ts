/**
 * Structured logging: one JSON line per event in the shape Cloud Logging reads
 * (`severity`, `message`, fields, `logging.googleapis.com/trace`). Callers pass only
 * what is safe to keep: never Authorization headers, passwords or whole tokens.
 */
import type {LogLevel} from './config';

export type Severity = LogLevel;
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const RANK: Record<Severity, number> = {
  DEBUG: 0,
  INFO: 1,
  WARNING: 2,
  ERROR: 3,
};

export type LogSink = (line: string) => void;

const stdout: LogSink = line => process.stdout.write(line + '\n');

/**
 * What Cloud Error Reporting reads an ERROR line by: the stack of its error in
 * `stack_trace`, or, for an error without one (a configuration problem), this `@type`, which
 * makes it report the line's `message` as the error.
 */
export const REPORTED_ERROR_EVENT =
  'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';

/** Serializes an Error (its stack only when `withStack`); other values pass through. */
function serialize(value: unknown, withStack: boolean): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      ...(withStack ? {stack: value.stack} : {}),
      cause: serialize(value.cause, withStack),
    };
  }
  return value;
}

/** Creates a JSON logger writing to `sink` (stdout by default) at `level` and above. */
export function createLogger(
  level: Severity = 'INFO',
  sink: LogSink = stdout,
  base: LogFields = {},
): Logger {
  const write = (
    severity: Severity,
    message: string,
    fields?: LogFields,
  ): void => {
    if (RANK[severity] < RANK[level]) return;
    const entry: LogFields = {severity, message, ...base};
    const values = Object.entries(fields ?? {});
    const error =
      severity === 'ERROR'
        ? values.map(([, v]) => v).find(v => v instanceof Error)
        : undefined;
    // An ERROR line carries its stack once, at the top, where Error Reporting looks.
    if (error instanceof Error && error.stack) entry.stack_trace = error.stack;
    else if (severity === 'ERROR') entry['@type'] = REPORTED_ERROR_EVENT;
    for (const [key, value] of values)
      entry[key] = serialize(value, severity !== 'ERROR');
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => write('DEBUG', m, f),
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARNING', m, f),
    error: (m, f) => write('ERROR', m, f),
    child: fields => createLogger(level, sink, {...base, ...fields}),
  };
}

/**
 * Fields linking a log line to the request's trace, from `X-Cloud-Trace-Context`
 * (`TRACE_ID/SPAN_ID;o=1`), as Cloud Logging expects.
 */
export function traceFields(
  header: string | undefined,
  projectId: string | undefined,
): LogFields {
  if (!header || !projectId) return {};
  const [traceId] = header.split('/');
  if (!/^[0-9a-f]{32}$/i.test(traceId ?? '')) return {};
  return {
    'logging.googleapis.com/trace': `projects/${projectId}/traces/${traceId}`,
  };
}
