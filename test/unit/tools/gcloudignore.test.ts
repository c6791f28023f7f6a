import {spawnSync} from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** What `gcloud functions deploy --source=DIR` would upload from DIR, as gcloud itself decides. */
function uploadList(dir: string): string[] {
  const result = spawnSync('gcloud', ['meta', 'list-files-for-upload', dir], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.split('\n').filter(Boolean).sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), {
    recursive: true,
    withFileTypes: true,
  })
    .filter(e => e.isFile())
    .map(e => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

const gcloud = spawnSync('gcloud', ['--version']).status === 0;
if (!gcloud)
  process.stderr.write(
    '[SKIPPED: gcloud is not installed] .gcloudignore upload list tests\n',
  );
const describeWithGcloud = gcloud ? describe : describe.skip;

describeWithGcloud(
  `.gcloudignore${gcloud ? '' : ' [SKIPPED: gcloud is not installed]'}`,
  () => {
    it('uploads the package files, .npmrc, the deploy tsconfigs, functions/ and shared/, nothing else', () => {
      expect(uploadList(root)).toEqual(
        [
          '.npmrc',
          'package-lock.json',
          'package.json',
          'tsconfig.deploy.json',
          'tsconfig.json',
          ...filesUnder('functions'),
          ...filesUnder('shared'),
        ].sort(),
      );
    });

    it('uploads everything the deploy build compiles: each relative import resolves inside the upload', () => {
      const uploaded = new Set(uploadList(root));
      const deployConfig = JSON.parse(
        readFileSync(path.join(root, 'tsconfig.deploy.json'), 'utf8'),
      ) as {extends: string; include: string[]};
      expect(uploaded).toContain(path.normalize(deployConfig.extends));
      for (const dir of deployConfig.include)
        expect(filesUnder(dir).every(f => uploaded.has(f))).toBe(true);
      const unresolved: string[] = [];
      for (const file of uploaded) {
        if (!file.endsWith('.ts')) continue;
        const source = readFileSync(path.join(root, file), 'utf8');
        for (const [, spec] of source.matchAll(
          /(?:from|import\(|require\()\s*'(\.{1,2}\/[^']+)'/g,
        )) {
          const base = path.join(path.dirname(file), spec!);
          const candidates = [base, `${base}.ts`, path.join(base, 'index.ts')];
          if (!candidates.some(c => uploaded.has(c)))
            unresolved.push(`${file}: ${spec}`);
        }
      }
      expect(unresolved).toEqual([]);
    });

    it('never uploads secrets, tests, tools or docs, even ones added later or put inside shared/', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'gcloudignore-'));
      try {
        copyFileSync(
          path.join(root, '.gcloudignore'),
          path.join(dir, '.gcloudignore'),
        );
        const files = [
          'package.json',
          'functions/index.ts',
          'shared/platform/config.ts',
          'shared/.env.local',
          'shared/firebase-credentials.json',
          'functions/service-account.json',
          'functions/deploy-key.json',
          'shared/tls.pem',
          '.env',
          '.env.production',
          'key.json',
          'my-project-0123456789ab.json',
          'test/unit/x.test.ts',
          'tools/user-cli.ts',
          'bench/run.ts',
          'docs/deployment.md',
          'README.md',
          'deploy.sh',
          'new-folder/anything.ts',
          'dist/functions/index.js',
          'node_modules/x/index.js',
        ];
        for (const f of files) {
          mkdirSync(path.dirname(path.join(dir, f)), {recursive: true});
          writeFileSync(path.join(dir, f), '');
        }
        expect(existsSync(path.join(dir, 'shared/.env.local'))).toBe(true);
        expect(uploadList(dir)).toEqual([
          'functions/index.ts',
          'package.json',
          'shared/platform/config.ts',
        ]);
      } finally {
        rmSync(dir, {recursive: true, force: true});
      }
    });
  },
);
