/**
 * Builds the Postman collection (v2.1) from the OpenAPI document: one folder per tag, one
 * request per example request, each with a test asserting its documented status and the
 * documented answer saved as its example response. Pure.
 */
import {DEMO, LOCAL_BASE_URL} from './examples';
import {exampleRequests, type ExampleRequest} from './example-requests';
import type {OpenApiDocument} from './openapi';

export const POSTMAN_SCHEMA =
  'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

type Json = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function url(example: ExampleRequest): Json {
  const path = example.pathTemplate.replace(/\{([^}]+)\}/g, ':$1');
  const variable = Object.entries(example.pathParams).map(([key, value]) => ({
    key,
    value,
  }));
  return {
    raw: `{{baseUrl}}${path}`,
    host: ['{{baseUrl}}'],
    path: path.split('/').filter(Boolean),
    ...(variable.length > 0 ? {variable} : {}),
  };
}

function request(example: ExampleRequest): Json {
  const header = [
    ...Object.entries(example.headers).map(([key, value]) => ({key, value})),
    ...(example.body !== undefined
      ? [{key: 'Content-Type', value: 'application/json'}]
      : []),
    {key: 'Accept', value: 'application/json'},
  ];
  const out: Json = {
    method: example.method,
    header,
    url: url(example),
    description: example.summary,
  };
  if (example.body !== undefined) {
    out.body = {
      mode: 'raw',
      raw: JSON.stringify(example.body, null, 4),
      options: {raw: {language: 'json'}},
    };
  }
  // Collection-level Basic auth applies to the device endpoints; cron must not send it,
  // and notifyUser sends the caller's OIDC ID token instead.
  if (example.notifyOidc)
    out.auth = {
      type: 'bearer',
      bearer: [{key: 'token', value: '{{notifyIdToken}}', type: 'string'}],
    };
  else if (!example.basicAuth) out.auth = {type: 'noauth'};
  return out;
}

function statusTest(status: number): Json {
  return {
    listen: 'test',
    script: {
      type: 'text/javascript',
      exec: [
        `pm.test('answers ${status} as documented', function () {`,
        `    pm.response.to.have.status(${status});`,
        '});',
      ],
    },
  };
}

function savedResponse(example: ExampleRequest): Json {
  const hasBody = example.responseExample !== undefined;
  return {
    name: example.summary,
    originalRequest: request(example),
    status: STATUS_TEXT[example.status] ?? String(example.status),
    code: example.status,
    _postman_previewlanguage: hasBody ? 'json' : 'text',
    header: hasBody
      ? [{key: 'Content-Type', value: 'application/json; charset=utf-8'}]
      : [],
    body: hasBody ? JSON.stringify(example.responseExample, null, 4) : '',
  };
}

function item(example: ExampleRequest): Json {
  return {
    name: `${example.operationSummary}: ${example.summary}`,
    event: [statusTest(example.status)],
    request: request(example),
    response: [savedResponse(example)],
  };
}

/** The Postman collection of every example request in `document`. */
export function buildPostmanCollection(document: OpenApiDocument): Json {
  const info = document.info as {title: string; description: string};
  const tags =
    (document.tags as Array<{name: string; description: string}>) ?? [];
  const examples = exampleRequests(document);
  return {
    info: {
      name: info.title,
      description: info.description,
      schema: POSTMAN_SCHEMA,
    },
    auth: {
      type: 'basic',
      basic: [
        {key: 'username', value: '{{email}}', type: 'string'},
        {key: 'password', value: '{{password}}', type: 'string'},
      ],
    },
    variable: [
      {key: 'baseUrl', value: LOCAL_BASE_URL, type: 'string'},
      {key: 'email', value: DEMO.email, type: 'string'},
      {key: 'password', value: DEMO.password, type: 'string'},
      // `gcloud auth print-identity-token --audiences=NOTIFY_URL`, as an allow-listed account.
      {key: 'notifyIdToken', value: '', type: 'string'},
    ],
    item: tags.map(tag => ({
      name: tag.name,
      description: tag.description,
      item: examples.filter(e => e.tag === tag.name).map(item),
    })),
  };
}
