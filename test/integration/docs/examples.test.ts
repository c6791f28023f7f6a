/**
 * Every example request of the OpenAPI document, sent to the local stack (demo user 1
 * seeded): each answers its documented status with a body its documented schema accepts.
 */
import Ajv2020 from 'ajv/dist/2020';
import {describeWithFirestore} from '../../support/emulators';
import {
  basic,
  startDeviceStack,
  type DeviceStack,
} from '../../support/device-stack';
import {DEMO} from '../../../tools/docs/examples';
import {exampleRequests, fillPath} from '../../../tools/docs/example-requests';
import {buildOpenApi} from '../../../tools/docs/openapi';

const examples = exampleRequests(buildOpenApi());
const ajv = new Ajv2020({strict: true, allowUnionTypes: true});

describeWithFirestore(
  'OpenAPI example requests against the local stack',
  () => {
    let stack: DeviceStack;

    beforeAll(async () => {
      stack = await startDeviceStack({CRON_APPENGINE_COMPAT: 'true'});
      await stack.seedUser(String(DEMO.userId), DEMO.email, DEMO.password);
    });
    afterAll(async () => stack.close());

    // In document order, one after the other: "register again" needs "register" before it.
    it.each(
      examples.map(e => [`${e.method} ${e.pathTemplate} ${e.key}`, e] as const),
    )('%s', async (_name, example) => {
      const reply = await stack.send(
        example.method,
        fillPath(example.pathTemplate, example.pathParams),
        {
          auth: example.basicAuth
            ? basic(DEMO.email, DEMO.password)
            : undefined,
          headers: {Accept: 'application/json', ...example.headers},
          body: example.body,
        },
      );
      expect(reply.status).toBe(example.status);
      if (example.responseSchema === null) {
        expect(reply.text).toBe('');
        return;
      }
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
      const validate = ajv.compile(example.responseSchema);
      expect({
        body: reply.json,
        valid: validate(reply.json),
        errors: validate.errors,
      }).toEqual({body: reply.json, valid: true, errors: null});
    });
  },
);
