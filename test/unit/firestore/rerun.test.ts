import {isContention} from '../../../shared/firestore/deadline';
import {isTransient, rerunWhile} from '../../../shared/firestore/rerun';

/** A gRPC error as @grpc/grpc-js builds it: an Error with the status's fields. */
const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} ${details}`), {code, details});

/** A run that fails with `failures` in turn, then answers 'done'; counts its calls. */
function runFailing(failures: unknown[]) {
  const run = {
    calls: 0,
    fn: async () => {
      const failure = failures[run.calls++];
      if (failure !== undefined) throw failure;
      return 'done';
    },
  };
  return run;
}

describe('isTransient', () => {
  it('takes contention, a deadline and an unavailable backend', () => {
    expect(isTransient(grpcError(10, 'Transaction lock timeout.'))).toBe(true);
    expect(isTransient(grpcError(3, 'Transaction is invalid or closed.'))).toBe(
      true,
    );
    expect(isTransient(grpcError(4, 'Deadline exceeded'))).toBe(true);
    expect(isTransient(grpcError(14, 'No connection established'))).toBe(true);
  });

  it('leaves a refusal and our own errors to the caller', () => {
    expect(isTransient(grpcError(3, 'Document path is invalid.'))).toBe(false);
    expect(
      isTransient(grpcError(7, 'Missing or insufficient permissions.')),
    ).toBe(false);
    expect(isTransient(new Error('boom'))).toBe(false);
  });
});

describe('rerunWhile', () => {
  it('runs the transaction again after transient failures, and answers what it answered', async () => {
    const run = runFailing([
      grpcError(3, 'Transaction is invalid or closed.'),
      new Error('Exceeded maximum number of retries allowed.'),
    ]);
    await expect(rerunWhile(run.fn, isTransient, 5, 1)).resolves.toBe('done');
    expect(run.calls).toBe(3);
  });

  it('runs again only on what `retryable` takes: a function gives a deadline up at once', async () => {
    const deadline = grpcError(4, 'Deadline exceeded');
    const run = runFailing([deadline]);
    await expect(rerunWhile(run.fn, isContention, 5, 1)).rejects.toBe(deadline);
    expect(run.calls).toBe(1);
  });

  it('passes any other failure at once, unchanged', async () => {
    const refusal = grpcError(3, 'Document path is invalid.');
    const run = runFailing([refusal]);
    await expect(rerunWhile(run.fn, isTransient, 5, 1)).rejects.toBe(refusal);
    expect(run.calls).toBe(1);
  });

  it('gives the last transient failure up after `runs` runs', async () => {
    const failures = [1, 2, 3].map(n => grpcError(10, `lock timeout ${n}`));
    const run = runFailing([...failures, undefined]);
    await expect(rerunWhile(run.fn, isTransient, 3, 1)).rejects.toBe(
      failures[2],
    );
    expect(run.calls).toBe(3);
  });
});
