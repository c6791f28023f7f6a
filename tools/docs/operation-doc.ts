/**
 * What the documentation says about one function beyond the route table: prose, security,
 * responses with their body schemas, and the example requests that are run by the tests.
 */
import type {JsonSchema} from './schemas';

export interface HeaderDoc {
  description: string;
  schema: JsonSchema;
}

export interface ResponseDoc {
  description: string;
  /** Absent for empty answers (204). */
  body?: {schema: JsonSchema; example: unknown};
  headers?: Record<string, HeaderDoc>;
}

/**
 * An example request and the status it answers. In the OpenAPI document its key is
 * `{status}-{name}` (see exampleKey), so each example names the response it documents:
 * the example-run test and newman check exactly that.
 */
export interface RequestExample {
  status: number;
  /** A slug, unique within the operation. */
  name: string;
  summary: string;
  /** Header values; headers of the operation missing here are not sent. */
  headers?: Record<string, string>;
  body?: unknown;
}

export interface OperationDoc {
  tag: string;
  description: string;
  /** OpenAPI security requirements (alternatives). */
  security: Array<Record<string, string[]>>;
  /** Request headers the operation reads (documented as header parameters). */
  headers?: Record<string, {description: string; schema: JsonSchema}>;
  requestBody?: {description: string; schema: JsonSchema};
  responses: Record<number, ResponseDoc>;
  /** In the order they are run; the first one is the reference's own example. */
  requests: RequestExample[];
}

/** By operationId (a function's name, unless it serves several operations: routes.ts). */
export type OperationDocs = Record<string, OperationDoc>;

/** The key of a request example in the OpenAPI document: `201-register`. */
export function exampleKey(
  example: Pick<RequestExample, 'status' | 'name'>,
): string {
  return `${example.status}-${example.name}`;
}

/** The status a request example key names, or null when the key is not one of ours. */
export function statusOfExampleKey(key: string): number | null {
  const match = /^([1-5]\d\d)-[a-z0-9-]+$/.exec(key);
  return match ? Number(match[1]) : null;
}
