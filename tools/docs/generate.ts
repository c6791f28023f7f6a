/**
 * `npm run docs`: writes docs/openapi.json and docs/collection.json from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import {repositoryRoot} from '../cli/repository';
import {renderDocs} from './documents';

function main(): void {
  const root = repositoryRoot();
  const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
  for (const [file, content] of Object.entries(renderDocs(read))) {
    const target = path.join(root, file);
    const unchanged =
      fs.existsSync(target) && fs.readFileSync(target, 'utf8') === content;
    if (!unchanged) fs.writeFileSync(target, content);
    process.stdout.write(`${unchanged ? 'unchanged' : 'wrote'} ${file}\n`);
  }
}

if (require.main === module) main();
