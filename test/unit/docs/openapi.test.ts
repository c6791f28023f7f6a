/**
 * The OpenAPI document is valid OpenAPI 3.1, covers the route table, and documents each
 * answer with a schema its own example satisfies.
 */
import {spawnSync} from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020';
import {ROUTES} from '../../../shared/http/routes';
import {registrationBodySchema} from '../../../shared/http/validation';
import {exampleRequests} from '../../../tools/docs/example-requests';
import {buildOpenApi, operationsOf} from '../../../tools/docs/openapi';

const document = buildOpenApi();

// The validator is an ES module, which jest's CommonJS runtime cannot load: run it in a child node.
const VALIDATE = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(input));
process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
`;

function validateOpenApi(doc: unknown): {
  valid: boolean;
  errors?: unknown;
  version: string;
} {
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', VALIDATE],
    {
      input: JSON.stringify(doc),
      cwd: __dirname,
      encoding: 'utf8',
    },
  );
  if (child.status !== 0)
    throw new Error(`the validator failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

describe('OpenAPI document', () => {
  it('validates as OpenAPI 3.1 with @seriousme/openapi-schema-validator', () => {
    expect(validateOpenApi(document)).toEqual({valid: true, version: '3.1'});
  });

  it('is checked by a validator that does reject a broken document', () => {
    const broken = {
      ...document,
      paths: {'/x': {get: {responses: {200: {content: {}}}}}},
    };
    expect(validateOpenApi(broken)).toMatchObject({valid: false});
  });

  it('documents every route of the route table, and nothing else', () => {
    const documented = operationsOf(document).map(
      ({method, path, functionName}) => [functionName, method, path],
    );
    expect(documented).toEqual(
      ROUTES.map(r => [r.functionName, r.method, r.path]),
    );
  });

  it('publishes the request schema the functions validate with', () => {
    const body = document.paths['/api/users/{user}/fcm_registration_tokens']!
      .post!.requestBody as {
      content: Record<string, {schema: unknown}>;
    };
    expect(body.content['application/json']!.schema).toEqual(
      registrationBodySchema,
    );
  });

  it('gives every response an example that satisfies its schema', () => {
    const ajv = new Ajv2020({strict: true, allowUnionTypes: true});
    const checked: string[] = [];
    for (const {operation} of operationsOf(document)) {
      const responses = operation.responses as Record<
        string,
        {content?: Record<string, {schema: object; example: unknown}>}
      >;
      for (const [status, response] of Object.entries(responses)) {
        const media = response.content?.['application/json'];
        if (!media) continue;
        const validate = ajv.compile(media.schema);
        expect({
          at: `${String(operation.operationId)} ${status}`,
          valid: validate(media.example),
          errors: validate.errors,
        }).toEqual({
          at: `${String(operation.operationId)} ${status}`,
          valid: true,
          errors: null,
        });
        checked.push(`${String(operation.operationId)} ${status}`);
      }
    }
    expect(checked).toContain('addDevice 201');
    expect(checked).toContain('cron 403');
  });

  it('has the reference examples, each naming a documented status', () => {
    const examples = exampleRequests(document).map(
      e => `${e.method} ${e.pathTemplate} ${e.key}`,
    );
    expect(examples).toEqual([
      'GET /api/cron 204-appengine-cron',
      'GET /api/cron 401-missing-header',
      'GET /api/cron 403-other-address',
      'POST /api/users/{user}/fcm_registration_tokens 201-register',
      'POST /api/users/{user}/fcm_registration_tokens 200-register-again',
      'POST /api/users/{user}/fcm_registration_tokens 422-missing-registration-id',
      'DELETE /api/users/{user}/fcm_registration_tokens 204-remove',
      'DELETE /api/users/{user}/fcm_registration_tokens 422-missing-registration-id',
      'POST /api/users/{user}/notifications 500-no-allow-list',
      'POST /api/notifications 500-no-allow-list',
      'GET /api/notifications/{batch} 500-no-allow-list',
    ]);
  });
});
