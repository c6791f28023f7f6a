/** The part of autocannon 9's API the benchmark uses (the package ships no types). */
declare module 'autocannon' {
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    max: number;
  }
  interface RawRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    requests?: Array<{
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      setupRequest?: (
        request: RawRequest,
        context: Record<string, unknown>,
      ) => RawRequest;
      onResponse?: (
        status: number,
        body: string,
        context: Record<string, unknown>,
      ) => void;
    }>;
  }
  interface Result {
    requests: Histogram & {total: number};
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, {count: number}>;
  }
  function autocannon(options: Options): Promise<Result> & {stop(): void};
  export = autocannon;
}
