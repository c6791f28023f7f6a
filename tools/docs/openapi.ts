/**
 * Builds the OpenAPI 3.1 document from the route table, the request schema the functions
 * validate with, and the operation documentation. Pure: same code, same document.
 */
import {
  ROUTES,
  operationIdOf,
  type FunctionName,
  type Route,
} from '../../shared/http/routes';
import {cronDoc, CRON_TAG} from './cron-operation';
import {addDeviceDoc, DEVICES_TAG, removeDeviceDoc} from './device-operations';
import {DEMO_CREDENTIALS, EXAMPLE_BATCH_ID, LOCAL_BASE_URL} from './examples';
import {notifyUserDoc, NOTIFY_TAG} from './notify-operation';
import {batchStatusDoc, notifyUsersDoc} from './notify-users-operation';
import {
  exampleKey,
  type OperationDoc,
  type OperationDocs,
  type ResponseDoc,
} from './operation-doc';

export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, OpenApiOperation>>;
};
export type OpenApiOperation = Record<string, unknown>;

export const OPERATION_DOCS: OperationDocs = {
  cron: cronDoc,
  addDevice: addDeviceDoc,
  removeDevice: removeDeviceDoc,
  notifyUser: notifyUserDoc,
  notifyUsers: notifyUsersDoc,
  getNotificationBatch: batchStatusDoc,
};

export const API_TITLE = 'Device registration API';

const INFO_DESCRIPTION = [
  'Registers the devices of a user in a Firebase Cloud Messaging device group, and runs the scheduled tasks.',
  'A port of the Laravel API to Google Cloud Functions, with the same paths, statuses and bodies.',
  '',
  'Errors answer `{"message": "…"}` (422 adds Laravel\'s `errors` map). On a deployed function URL the',
  '`/api` prefix is optional (`…/addDevice/users/1/fcm_registration_tokens`). An unknown path answers 404',
  '`{"message":"Not Found."}`; another method on a known path answers 405 with an `Allow` header.',
  '',
  `[Get Postman Collection](${LOCAL_BASE_URL}/docs/collection.json) · [OpenAPI document](${LOCAL_BASE_URL}/docs/openapi.json)`,
].join('\n');

const TAGS = [
  {name: CRON_TAG, description: 'Scheduling jobs.'},
  {
    name: DEVICES_TAG,
    description: [
      'A Firebase Cloud Messaging (FCM) Registration Token is used to register devices to a single device group.',
      '',
      'Related guides: [Send messages to device groups](https://firebase.google.com/docs/cloud-messaging/js/device-group)',
      'and [Access the registration token](https://firebase.google.com/docs/cloud-messaging/js/client#access_the_registration_token).',
    ].join('\n'),
  },
  {
    name: NOTIFY_TAG,
    description:
      "Sending to a user's devices, or to many users in the background, for our own services (OIDC allow-list). See docs/sending.md.",
  },
];

const SECURITY_SCHEMES = {
  basicAuth: {
    type: 'http',
    scheme: 'basic',
    description: [
      'An email/password pair, separated by a colon and encoded using base64. For example',
      `\`${DEMO_CREDENTIALS}\` gives \`Authorization: Basic ${Buffer.from(DEMO_CREDENTIALS).toString('base64')}\`.`,
      'The local stack (`npm start`) seeds this demo user with id 1.',
    ].join(' '),
  },
  cloudSchedulerOidc: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "A Google-signed OIDC ID token that Cloud Scheduler sends for the job's service account, with the function URL as audience.",
  },
  notifyOidc: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A Google-signed OIDC ID token of a service account on the allow-list (NOTIFY_SERVICE_ACCOUNTS), with the URL of the function called (notifyUser or notifyUsers) as audience (`gcloud auth print-identity-token --audiences=URL`).',
  },
};

/** The path's parameters, with a value for each example request (so that every request, even one without a body, has its example key). */
function pathParameters(
  path: string,
  doc: OperationDoc,
): Array<Record<string, unknown>> {
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => {
    const value = name === 'batch' ? EXAMPLE_BATCH_ID : '1';
    return {
      name,
      in: 'path',
      required: true,
      description:
        name === 'user'
          ? 'The ID of the user.'
          : name === 'batch'
            ? 'The id of the batch, as `POST /notifications` answered it.'
            : `The ${name}.`,
      schema: {type: 'string'},
      // OpenAPI allows `example` or `examples`, not both.
      ...(doc.requests.length === 0
        ? {example: value}
        : {
            examples: Object.fromEntries(
              doc.requests.map(request => [
                exampleKey(request),
                {summary: request.summary, value},
              ]),
            ),
          }),
    };
  });
}

function headerParameters(doc: OperationDoc): Array<Record<string, unknown>> {
  return Object.entries(doc.headers ?? {}).map(([name, header]) => {
    const examples = Object.fromEntries(
      doc.requests
        .filter(request => request.headers?.[name] !== undefined)
        .map(request => [
          exampleKey(request),
          {summary: request.summary, value: request.headers![name]},
        ]),
    );
    return {
      name,
      in: 'header',
      required: false,
      description: header.description,
      schema: header.schema,
      examples,
    };
  });
}

function requestBody(doc: OperationDoc): Record<string, unknown> | undefined {
  if (!doc.requestBody) return undefined;
  const examples = Object.fromEntries(
    doc.requests
      .filter(r => r.body !== undefined)
      .map(r => [exampleKey(r), {summary: r.summary, value: r.body}]),
  );
  const {description, schema} = doc.requestBody;
  return {
    description,
    required: true,
    content: {
      'application/json': {schema, examples},
      'application/x-www-form-urlencoded': {schema},
    },
  };
}

function response(doc: ResponseDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {description: doc.description};
  if (doc.headers) out.headers = doc.headers;
  if (doc.body)
    out.content = {
      'application/json': {schema: doc.body.schema, example: doc.body.example},
    };
  return out;
}

function operation(route: Route, doc: OperationDoc): OpenApiOperation {
  const op: OpenApiOperation = {
    operationId: operationIdOf(route),
    summary: route.summary,
    description: doc.description,
    tags: [doc.tag],
    security: doc.security,
    parameters: [...pathParameters(route.path, doc), ...headerParameters(doc)],
  };
  const body = requestBody(doc);
  if (body) op.requestBody = body;
  op.responses = Object.fromEntries(
    Object.entries(doc.responses).map(([status, r]) => [status, response(r)]),
  );
  return op;
}

/** The OpenAPI 3.1 document of every route in ROUTES. */
export function buildOpenApi(
  docs: OperationDocs = OPERATION_DOCS,
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ROUTES) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(
      route,
      docs[operationIdOf(route)]!,
    );
  }
  return {
    openapi: '3.1.0',
    info: {title: API_TITLE, version: '1.0.0', description: INFO_DESCRIPTION},
    servers: [
      {url: LOCAL_BASE_URL, description: 'The local stack (npm start)'},
    ],
    tags: TAGS,
    paths,
    components: {securitySchemes: SECURITY_SCHEMES},
  };
}

export interface DocumentedOperation {
  path: string;
  /** Upper case, as in the route table. */
  method: string;
  operation: OpenApiOperation;
  functionName: FunctionName;
}

/** Every operation of a document with its path and method, in document order. */
export function operationsOf(document: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      path,
      method: method.toUpperCase(),
      operation: op,
      functionName:
        ROUTES.find(r => operationIdOf(r) === op.operationId)?.functionName ??
        (op.operationId as FunctionName),
    })),
  );
}
