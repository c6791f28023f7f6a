/**
 * The generated documentation files and their exact text, as `npm run docs` writes them
 * and the drift test compares them.
 */
import {buildOpenApi} from './openapi';
import {buildPostmanCollection} from './postman';
import {withSettingsTables} from './settings-table';

export const OPENAPI_FILE = 'docs/openapi.json';
export const COLLECTION_FILE = 'docs/collection.json';
/** Documents with generated settings tables (settings-table.ts). */
export const SETTINGS_FILES = [
  'README.md',
  'docs/authentication.md',
  'docs/cron.md',
];

function text(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** The OpenAPI document and the Postman collection (served by /docs too). */
export function renderApiDocs(): Record<string, string> {
  const openapi = buildOpenApi();
  return {
    [OPENAPI_FILE]: text(openapi),
    [COLLECTION_FILE]: text(buildPostmanCollection(openapi)),
  };
}

/**
 * File path (relative to the repository root) to content; `read` gives a document's
 * current text, whose marked settings tables are regenerated.
 */
export function renderDocs(
  read: (file: string) => string,
): Record<string, string> {
  return {
    ...renderApiDocs(),
    ...Object.fromEntries(
      SETTINGS_FILES.map(file => [file, withSettingsTables(read(file))]),
    ),
  };
}
