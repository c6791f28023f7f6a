/**
 * The committed documents are exactly what `npm run docs` generates from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import {renderDocs} from '../../../tools/docs/documents';

const ROOT = path.resolve(__dirname, '../../..');

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('generated documents', () => {
  it.each(Object.entries(renderDocs(read)))(
    '%s is up to date with the code (else run `npm run docs`)',
    (file, generated) => {
      const committed = fs.readFileSync(path.join(ROOT, file), 'utf8');
      expect(committed).toBe(generated);
    },
  );
});
