/**
 * One load run with autocannon: a request generator, bounded by duration (or by a number
 * of requests), summarised as throughput, latency percentiles and status counts.
 */
import autocannon from 'autocannon';

export interface GeneratedRequest {
  method: NonNullable<autocannon.Request['method']>;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface LoadOptions {
  url: string;
  next: () => GeneratedRequest;
  connections: number;
  durationS: number;
  /** Stop after this many requests instead (still capped by `durationS` × 3). */
  amount?: number;
  onResponse?: (status: number, body: string) => void;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  statuses: Record<string, number>;
  errors: number;
  durationS: number;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const options: autocannon.Options = {
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    ...(opts.amount !== undefined ? {amount: opts.amount} : {}),
    timeout: 30,
    requests: [
      {
        setupRequest: () => {
          const r = opts.next();
          const headers: Record<string, string> = {...r.headers};
          if (r.body !== undefined)
            headers['content-type'] ??= 'application/json';
          return {
            method: r.method,
            path: r.path,
            headers,
            body: r.body === undefined ? undefined : JSON.stringify(r.body),
          };
        },
        ...(opts.onResponse
          ? {
              onResponse: (status: number, body: string) =>
                opts.onResponse!(status, body),
            }
          : {}),
      },
    ],
  };
  // The callback form returns the instance, whose stop() the promise form's type leaves out.
  let guard: NodeJS.Timeout | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err: unknown, done) =>
      err ? reject(err) : resolve(done),
    );
    // `amount` overrides duration in autocannon: keep such a run bounded all the same.
    if (opts.amount !== undefined)
      guard = setTimeout(() => instance.stop(), opts.durationS * 3000);
  }).finally(() => clearTimeout(guard));
  const statuses: Record<string, number> = {};
  let answered = 0;
  for (const [status, {count}] of Object.entries(
    result.statusCodeStats ?? {},
  )) {
    statuses[status] = count ?? 0;
    answered += count ?? 0;
  }
  return {
    requests: answered,
    rps: answered / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    statuses,
    errors: result.errors,
    durationS: result.duration,
  };
}
