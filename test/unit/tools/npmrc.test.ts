import {spawnSync} from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function npm(args: string[], cwd: string) {
  const result = spawnSync('npm', args, {cwd, encoding: 'utf8'});
  return {status: result.status, out: result.stdout + result.stderr};
}

describe('.npmrc (ignore-scripts=true)', () => {
  it('is in force for this project', () => {
    expect(npm(['config', 'get', 'ignore-scripts'], root).out.trim()).toBe(
      'true',
    );
  });

  it('leaves none of our own scripts silently skipped: no lifecycle or pre/post hooks', () => {
    const {scripts} = JSON.parse(
      readFileSync(path.join(root, 'package.json'), 'utf8'),
    ) as {scripts: Record<string, string>};
    const lifecycle = [
      'install',
      'prepare',
      'prepublish',
      'prepack',
      'postpack',
    ];
    const skipped = Object.keys(scripts).filter(
      name =>
        lifecycle.includes(name) ||
        (/^(pre|post)/.test(name) &&
          name.replace(/^(pre|post)/, '') in scripts) ||
        /^(pre|post)install$/.test(name),
    );
    expect(skipped).toEqual([]);
  });

  it('still runs a script named explicitly (as the Cloud Functions build runs `npm run gcp-build`), without its pre hook', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'npmrc-'));
    try {
      copyFileSync(path.join(root, '.npmrc'), path.join(dir, '.npmrc'));
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({
          name: 'probe',
          version: '1.0.0',
          scripts: {
            'pregcp-build': 'echo PRE-HOOK-RAN',
            'gcp-build': 'echo GCP-BUILD-RAN',
            postinstall: 'echo POSTINSTALL-RAN',
          },
        }),
      );
      const build = npm(['run', 'gcp-build'], dir);
      expect(build.status).toBe(0);
      expect(build.out).toContain('GCP-BUILD-RAN');
      expect(build.out).not.toContain('PRE-HOOK-RAN');
      const install = npm(['install', '--no-audit', '--no-fund'], dir);
      expect(install.status).toBe(0);
      expect(install.out).not.toContain('POSTINSTALL-RAN');
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
