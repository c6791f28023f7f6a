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

/** Serializes an Error with its stack for ERROR lines; other values pass through. */
function serialize(value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      cause: serialize(value.cause),
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
    for (const [key, value] of Object.entries(fields ?? {}))
      entry[key] = serialize(value);
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
