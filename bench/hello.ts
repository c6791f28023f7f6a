/** The cold-start baseline: a hello-world HTTP function. */
import * as functions from '@google-cloud/functions-framework';

functions.http('hello', (_req, res) => {
  res.send('Hello, World!');
});
