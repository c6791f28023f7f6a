/**
 * ajv schemas compiled on first use rather than at import: loading ajv and compiling takes
 * a few hundred milliseconds of a cold start, and functions that never validate a body of
 * that kind (cron, or the device endpoints for the message schema) never pay it.
 * Validation is synchronous, so this is the one synchronous lazy load; SDKs load with
 * `lazy()` (lazy.ts).
 */
import type {Options, Schema, ValidateFunction} from 'ajv';
import {lazySync} from './lazy';

/** A validator of `schema`, compiled by a strict ajv on its first call. */
export function lazyValidator<T>(
  schema: Schema,
  options: Options = {},
): () => ValidateFunction<T> {
  return lazySync(() => {
    const {default: Ajv} = require('ajv') as typeof import('ajv');
    return new Ajv({strict: true, ...options}).compile<T>(schema);
  });
}
