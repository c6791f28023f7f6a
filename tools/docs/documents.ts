/**
 * The generated documentation files and their exact text, as `npm run docs` writes them
 * and the drift test compares them.
 */
import {buildOpenApi} from './openapi';
import {buildPostmanCollection} from './postman';

export const OPENAPI_FILE = 'docs/openapi.json';
export const COLLECTION_FILE = 'docs/collection.json';

function text(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** File path (relative to the repository root) to content. */
export function renderDocs(): Record<string, string> {
  const openapi = buildOpenApi();
  return {
    [OPENAPI_FILE]: text(openapi),
    [COLLECTION_FILE]: text(buildPostmanCollection(openapi)),
  };
}
