/**
 * `npm run docs`: writes docs/openapi.json and docs/collection.json from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import {renderDocs} from './documents';

/** The repository root: the nearest folder above this file holding package.json (works from dist/ too). */
export function repositoryRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`no package.json above ${from}`);
  }
}

function main(): void {
  const root = repositoryRoot();
  for (const [file, content] of Object.entries(renderDocs())) {
    const target = path.join(root, file);
    const unchanged =
      fs.existsSync(target) && fs.readFileSync(target, 'utf8') === content;
    if (!unchanged) fs.writeFileSync(target, content);
    process.stdout.write(`${unchanged ? 'unchanged' : 'wrote'} ${file}\n`);
  }
}

if (require.main === module) main();
