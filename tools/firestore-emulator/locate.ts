/**
 * Finds the launcher of the official Cloud Firestore emulator, which ships with the Google Cloud CLI.
 * Decides only: it starts nothing. When the emulator cannot be used it says why in words a developer
 * can act on, so callers can skip loudly instead of failing obscurely.
 */
import {spawnSync} from 'node:child_process';
import {accessSync, constants, realpathSync} from 'node:fs';
import path from 'node:path';

export type EmulatorLocation = {command: string} | {missing: string};

/** Outcome of running a program to completion, shaped like `spawnSync`'s result. */
export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be run at all (ENOENT when it is not on PATH). */
  error?: NodeJS.ErrnoException;
}

export interface LocateDeps {
  exec(file: string, args: readonly string[]): ExecResult;
  isExecutable(file: string): boolean;
  /** The real path (symlinks resolved) of `file` found on PATH; absent: always ask gcloud. */
  realPathOnPath?(file: string): string | undefined;
}

const INSTALL_HINT =
  'install the Google Cloud CLI with its Firestore emulator ' +
  '(`gcloud components install cloud-firestore-emulator`, or the Debian package google-cloud-cli-firestore-emulator) ' +
  'and Java (17 is known to work), or set FIRESTORE_EMULATOR_BIN to the launcher';

export const defaultLocateDeps: LocateDeps = {
  exec(file, args) {
    const r = spawnSync(file, args, {encoding: 'utf8', timeout: 30_000});
    return {
      status: r.status,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      error: r.error,
    };
  },
  isExecutable,
  realPathOnPath(file) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const candidate = path.join(dir || '.', file);
      if (isExecutable(candidate)) return realpathSync(candidate);
    }
    return undefined;
  },
};

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the Cloud Firestore emulator launcher is: `FIRESTORE_EMULATOR_BIN` when set, otherwise
 * `<sdk_root>/platform/cloud-firestore-emulator/cloud_firestore_emulator`, the SDK root being where the
 * gcloud on PATH lives (`<sdk_root>/bin/gcloud`) when the launcher is there, else what `gcloud info` reports.
 * The discovered launcher runs Java (`$JAVA` or `java`), so a missing Java counts as a missing emulator.
 */
export function locateFirestoreEmulator(
  env: NodeJS.ProcessEnv = process.env,
  deps: LocateDeps = defaultLocateDeps,
): EmulatorLocation {
  const explicit = env.FIRESTORE_EMULATOR_BIN?.trim();
  if (explicit) {
    return deps.isExecutable(explicit)
      ? {command: explicit}
      : {
          missing: `FIRESTORE_EMULATOR_BIN=${explicit} is not an executable file`,
        };
  }

  const sdkRoot = sdkRootFromPath(deps) ?? askGcloud(deps);
  if ('missing' in sdkRoot) return sdkRoot;
  const command = launcherIn(sdkRoot.root);
  if (!deps.isExecutable(command)) {
    return {
      missing: `the Google Cloud CLI at ${sdkRoot.root} has no Firestore emulator (${command}); ${INSTALL_HINT}`,
    };
  }

  const java = env.JAVA?.trim() || 'java';
  const version = deps.exec(java, ['-version']);
  if (version.error || version.status !== 0) {
    const why =
      version.error?.code === 'ENOENT'
        ? 'not found'
        : (version.error?.message ?? `exit status ${version.status}`);
    return {
      missing: `the Firestore emulator runs on Java, but \`${java}\` is unusable (${why})`,
    };
  }
  return {command};
}

function launcherIn(sdkRoot: string): string {
  return path.join(
    sdkRoot,
    'platform',
    'cloud-firestore-emulator',
    'cloud_firestore_emulator',
  );
}

/**
 * The SDK root from where gcloud lives (`<root>/bin/gcloud`, often behind a symlink), when the
 * emulator is there: `gcloud info` starts Python and costs a second or more of every start.
 */
function sdkRootFromPath(deps: LocateDeps): {root: string} | undefined {
  const gcloud = deps.realPathOnPath?.('gcloud');
  if (!gcloud || path.basename(path.dirname(gcloud)) !== 'bin')
    return undefined;
  const root = path.dirname(path.dirname(gcloud));
  return deps.isExecutable(launcherIn(root)) ? {root} : undefined;
}

function askGcloud(deps: LocateDeps): {root: string} | {missing: string} {
  const info = deps.exec('gcloud', [
    'info',
    '--format=value(installation.sdk_root)',
  ]);
  if (info.error?.code === 'ENOENT') {
    return {
      missing: `the Google Cloud CLI (gcloud) is not on PATH; ${INSTALL_HINT}`,
    };
  }
  if (info.error || info.status !== 0) {
    const why =
      info.error?.message ??
      lastLine(info.stderr) ??
      `exit status ${info.status}`;
    return {missing: `\`gcloud info\` failed (${why}); ${INSTALL_HINT}`};
  }
  const root = info.stdout.trim();
  if (!root) {
    return {
      missing: `\`gcloud info\` did not report an SDK root; ${INSTALL_HINT}`,
    };
  }
  return {root};
}

function lastLine(text: string): string | undefined {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || undefined;
}
