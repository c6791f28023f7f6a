/**
 * Finds the Google Cloud CLI's SDK root, where its emulators live
 * (`<sdk_root>/platform/...`), and checks the Java they run on. Shared by the locators of
 * the official Firestore and Pub/Sub emulators. Decides only: it starts nothing. When an
 * emulator cannot be used it says why in words a developer can act on.
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

/** What a locator needs to know about one emulator. */
export interface EmulatorSpec {
  /** "Firestore", "Pub/Sub". */
  name: string;
  /** The variable that names a launcher to run instead (FIRESTORE_EMULATOR_BIN). */
  binVariable: string;
  /** The launcher's path under the SDK root. */
  launcher: readonly string[];
  /** How to install it, ending with the variable's hint. */
  installHint: string;
}

/**
 * Where an emulator's launcher is: `spec.binVariable` when set, otherwise
 * `<sdk_root>/<launcher>`, the SDK root being where the gcloud on PATH lives
 * (`<sdk_root>/bin/gcloud`) when the launcher is there, else what `gcloud info` reports.
 * The launcher runs Java (`$JAVA` or `java`), so a missing Java counts as a missing emulator.
 */
export function locateEmulator(
  spec: EmulatorSpec,
  env: NodeJS.ProcessEnv,
  deps: LocateDeps,
): EmulatorLocation {
  const explicit = env[spec.binVariable]?.trim();
  if (explicit) {
    return deps.isExecutable(explicit)
      ? {command: explicit}
      : {missing: `${spec.binVariable}=${explicit} is not an executable file`};
  }
  const launcherIn = (root: string) => path.join(root, ...spec.launcher);
  const sdkRoot =
    sdkRootFromPath(deps, launcherIn) ?? askGcloud(deps, spec.installHint);
  if ('missing' in sdkRoot) return sdkRoot;
  const command = launcherIn(sdkRoot.root);
  if (!deps.isExecutable(command)) {
    return {
      missing: `the Google Cloud CLI at ${sdkRoot.root} has no ${spec.name} emulator (${command}); ${spec.installHint}`,
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
      missing: `the ${spec.name} emulator runs on Java, but \`${java}\` is unusable (${why})`,
    };
  }
  return {command};
}

/**
 * The SDK root from where gcloud lives (`<root>/bin/gcloud`, often behind a symlink), when the
 * emulator is there: `gcloud info` starts Python and costs a second or more of every start.
 */
function sdkRootFromPath(
  deps: LocateDeps,
  launcherIn: (root: string) => string,
): {root: string} | undefined {
  const gcloud = deps.realPathOnPath?.('gcloud');
  if (!gcloud || path.basename(path.dirname(gcloud)) !== 'bin')
    return undefined;
  const root = path.dirname(path.dirname(gcloud));
  return deps.isExecutable(launcherIn(root)) ? {root} : undefined;
}

function askGcloud(
  deps: LocateDeps,
  installHint: string,
): {root: string} | {missing: string} {
  const info = deps.exec('gcloud', [
    'info',
    '--format=value(installation.sdk_root)',
  ]);
  if (info.error?.code === 'ENOENT') {
    return {
      missing: `the Google Cloud CLI (gcloud) is not on PATH; ${installHint}`,
    };
  }
  if (info.error || info.status !== 0) {
    const why =
      info.error?.message ??
      lastLine(info.stderr) ??
      `exit status ${info.status}`;
    return {missing: `\`gcloud info\` failed (${why}); ${installHint}`};
  }
  const root = info.stdout.trim();
  if (!root) {
    return {
      missing: `\`gcloud info\` did not report an SDK root; ${installHint}`,
    };
  }
  return {root};
}

function lastLine(text: string): string | undefined {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || undefined;
}
