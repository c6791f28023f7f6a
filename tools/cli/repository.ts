/**
 * Files of the repository the tools read (firestore.rules, the docs), found from the running
 * file's folder, so the same code works from the TypeScript sources and from dist/.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest folder above `from` holding package.json. */
export function repositoryRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`no package.json above ${from}`);
  }
}

/** The Firestore security rules deployed with the project and loaded by every emulator it starts. */
export function rulesFile(): string {
  return path.join(repositoryRoot(), 'firestore.rules');
}
