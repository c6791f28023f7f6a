/**
 * Reads the example requests back out of an OpenAPI document: what the Postman collection
 * is built from and what the example-run test sends. An example is the set of parameter
 * and body examples sharing one key (`201-register`), and the key names its status.
 */
import {
  operationsOf,
  type OpenApiDocument,
  type OpenApiOperation,
} from './openapi';
import {statusOfExampleKey} from './operation-doc';

export interface ExampleRequest {
  operationId: string;
  operationSummary: string;
  tag: string;
  key: string;
  summary: string;
  method: string;
  /** The documented path, with `{user}` style parameters. */
  pathTemplate: string;
  /** Path parameter values. */
  pathParams: Record<string, string>;
  headers: Record<string, string>;
  /** Absent when the request has no body. */
  body?: unknown;
  /** True when the operation requires HTTP Basic credentials. */
  basicAuth: boolean;
  /** True when the operation requires an OIDC bearer token of the notify allow-list. */
  notifyOidc: boolean;
  status: number;
  /** The documented JSON schema of the answer; null for an empty answer. */
  responseSchema: Record<string, unknown> | null;
  /** The documented example of the answer; undefined for an empty answer. */
  responseExample: unknown;
}

interface Parameter {
  name: string;
  in: string;
  example?: unknown;
  examples?: Record<string, {summary?: string; value: unknown}>;
}

type Examples = Record<string, {summary?: string; value: unknown}>;

function bodyExamples(op: OpenApiOperation): Examples {
  const body = op.requestBody as
    {content?: Record<string, {examples?: Examples}>} | undefined;
  return body?.content?.['application/json']?.examples ?? {};
}

function documentedResponse(
  op: OpenApiOperation,
  status: number,
): {schema: Record<string, unknown>; example: unknown} | undefined {
  const responses = op.responses as Record<
    string,
    {
      content?: Record<
        string,
        {schema: Record<string, unknown>; example: unknown}
      >;
    }
  >;
  const documented = responses[String(status)];
  if (!documented)
    throw new Error(
      `${String(op.operationId)}: example for ${status} but no such response is documented`,
    );
  return documented.content?.['application/json'];
}

/**
 * Merges ordered key lists, keeping each list's order: a key missing from the result goes
 * right after its predecessor in its own list.
 */
function mergeOrdered(lists: string[][]): string[] {
  const merged: string[] = [];
  for (const list of lists) {
    list.forEach((key, i) => {
      if (merged.includes(key)) return;
      merged.splice(i === 0 ? 0 : merged.indexOf(list[i - 1]!) + 1, 0, key);
    });
  }
  return merged;
}

/** The path with its parameters filled in. */
export function fillPath(
  template: string,
  params: Record<string, string>,
): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    encodeURIComponent(params[name] ?? `{${name}}`),
  );
}

/** Every example request of the document, in document order. */
export function exampleRequests(document: OpenApiDocument): ExampleRequest[] {
  return operationsOf(document).flatMap(({path, method, operation: op}) => {
    const parameters = (op.parameters as Parameter[] | undefined) ?? [];
    const body = bodyExamples(op);
    const keys = mergeOrdered([
      Object.keys(body),
      ...parameters.map(p => Object.keys(p.examples ?? {})),
    ]);
    const security =
      (op.security as Array<Record<string, unknown>> | undefined) ?? [];
    return keys.map((key): ExampleRequest => {
      const status = statusOfExampleKey(key);
      if (status === null)
        throw new Error(
          `${String(op.operationId)}: example key "${key}" does not name a status`,
        );
      const pathParams: Record<string, string> = {};
      const headers: Record<string, string> = {};
      let summary = body[key]?.summary;
      for (const p of parameters) {
        const example = p.examples?.[key];
        const value = example ? example.value : p.example;
        summary ??= example?.summary;
        if (value === undefined) continue;
        if (p.in === 'path') pathParams[p.name] = String(value);
        else if (p.in === 'header') headers[p.name] = String(value);
      }
      const response = documentedResponse(op, status);
      return {
        operationId: String(op.operationId),
        operationSummary: String(op.summary),
        tag: (op.tags as string[])[0]!,
        key,
        summary: summary ?? key,
        method,
        pathTemplate: path,
        pathParams,
        headers,
        ...(key in body ? {body: body[key]!.value} : {}),
        basicAuth: security.some(alternative => 'basicAuth' in alternative),
        notifyOidc: security.some(alternative => 'notifyOidc' in alternative),
        status,
        responseSchema: response?.schema ?? null,
        responseExample: response?.example,
      };
    });
  });
}
