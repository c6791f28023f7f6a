/**
 * What global-setup started, kept on `globalThis` because jest runs globalSetup and globalTeardown
 * in the same process but as separately loaded modules.
 */
export interface HarnessHandles {
  /** Each stops one emulator this setup started (none for an emulator given by the environment). */
  stops: Array<{name: string; stop(): Promise<void>}>;
}

const KEY = Symbol.for('device-registration.test-harness');

type WithHandles = typeof globalThis & {[KEY]?: HarnessHandles};

export function saveHandles(handles: HarnessHandles): void {
  (globalThis as WithHandles)[KEY] = handles;
}

/** Returns the saved handles and forgets them, so a second teardown stops nothing twice. */
export function takeHandles(): HarnessHandles | undefined {
  const g = globalThis as WithHandles;
  const handles = g[KEY];
  delete g[KEY];
  return handles;
}
