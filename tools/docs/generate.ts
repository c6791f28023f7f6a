/**
 * `npm run docs`: writes docs/openapi.json and docs/collection.json from the code. The command
 * line is read before the generators are loaded, so `--help` and mistakes cost nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import {repositoryRoot} from '../cli/repository';
import {noArguments} from '../cli/flags';
import {exitWith, stdio} from '../cli/exit';

export const USAGE = `Usage: npm run docs

Regenerates docs/openapi.json (OpenAPI 3.1) and docs/collection.json (a Postman collection)
from the code: the routes, the request schemas and the examples in tools/docs/; and the
settings tables between <!-- settings: ... --> markers in README.md, docs/authentication.md
and docs/cron.md, from shared/platform/config.ts's rows. Files whose content is unchanged
are not rewritten. The tests fail when a committed file is not current
(see docs/api-documentation.md).

Options:
  -h, --help   show this help; nothing is written`;

/** Parses the command line, then writes the documents; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  io: typeof stdio = stdio,
): Promise<number> {
  const done = noArguments(argv, USAGE, io);
  if (done !== null) return done;
  const {renderDocs} = await import('./documents');
  const root = repositoryRoot();
  const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
  for (const [file, content] of Object.entries(renderDocs(read))) {
    const target = path.join(root, file);
    const unchanged =
      fs.existsSync(target) && fs.readFileSync(target, 'utf8') === content;
    if (!unchanged) fs.writeFileSync(target, content);
    io.out(`${unchanged ? 'unchanged' : 'wrote'} ${file}\n`);
  }
  return 0;
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
