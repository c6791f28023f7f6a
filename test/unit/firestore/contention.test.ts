import {isContention} from '../../../shared/firestore/deadline';

/** A gRPC error as @grpc/grpc-js builds it: an Error with the status's fields. */
const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} ${details}`), {code, details});

describe('isContention', () => {
  it('takes ABORTED, the emulator closing a transaction that lost a lock, and the SDK giving up its retries', () => {
    expect(isContention(grpcError(10, 'Transaction lock timeout.'))).toBe(true);
    expect(
      isContention(grpcError(3, 'Transaction is invalid or closed.')),
    ).toBe(true);
    expect(
      isContention(new Error('Exceeded maximum number of retries allowed.')),
    ).toBe(true);
  });

  it('leaves every other failure to the caller', () => {
    expect(isContention(grpcError(3, 'Document path is invalid.'))).toBe(false);
    expect(isContention(grpcError(4, 'Deadline exceeded'))).toBe(false);
    expect(isContention(new Error('boom'))).toBe(false);
    expect(isContention(undefined)).toBe(false);
  });
});
