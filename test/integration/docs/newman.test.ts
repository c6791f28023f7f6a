/**
 * The committed Postman collection, run by newman against the local stack (demo user 1
 * seeded, cron in App Engine compatibility mode): every request answers its documented status.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describeWithFirestore} from '../../support/emulators';
import {startDeviceStack, type DeviceStack} from '../../support/device-stack';
import {COLLECTION_FILE} from '../../../tools/docs/documents';
import {DEMO} from '../../../tools/docs/examples';

/** The part of newman's Node API used here (newman ships no type definitions). */
interface NewmanSummary {
  run: {
    stats: {
      requests: {total: number; failed: number};
      assertions: {total: number; failed: number};
    };
    failures: Array<{
      error: {message: string; test?: string};
      source?: {name?: string};
    }>;
    executions: Array<{item: {name: string}; response?: {code: number}}>;
  };
}
interface Newman {
  run(
    options: Record<string, unknown>,
    callback: (err: Error | null, summary: NewmanSummary) => void,
  ): void;
}

const newman = require('newman') as Newman;

function runCollection(
  options: Record<string, unknown>,
): Promise<NewmanSummary> {
  return new Promise((resolve, reject) =>
    newman.run(options, (err, summary) =>
      err ? reject(err) : resolve(summary),
    ),
  );
}

describeWithFirestore('Postman collection run by newman', () => {
  let stack: DeviceStack;

  beforeAll(async () => {
    stack = await startDeviceStack({CRON_APPENGINE_COMPAT: 'true'});
    await stack.seedUser(String(DEMO.userId), DEMO.email, DEMO.password);
  });
  afterAll(async () => stack.close());

  it('answers every request with its documented status', async () => {
    const collection = JSON.parse(
      fs.readFileSync(
        path.resolve(__dirname, '../../..', COLLECTION_FILE),
        'utf8',
      ),
    );
    const summary = await runCollection({
      collection,
      // The environment scope overrides the collection's baseUrl (the default local port).
      envVar: [{key: 'baseUrl', value: stack.url}],
      reporters: [],
      timeoutRequest: 10000,
    });
    const failures = summary.run.failures.map(
      f => `${f.source?.name ?? '?'}: ${f.error.test ?? ''} ${f.error.message}`,
    );
    expect(failures).toEqual([]);
    expect(summary.run.executions.map(e => e.response?.code)).toEqual([
      204, 401, 403, 201, 200, 422, 204, 422, 500, 500, 500,
    ]);
    expect(summary.run.stats.assertions).toEqual({
      total: 11,
      pending: 0,
      failed: 0,
    });
  });
});
