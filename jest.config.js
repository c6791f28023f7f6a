/**
 * Two projects: `unit` needs no emulator and runs in seconds (`npm run test:unit`);
 * `integration` starts the official Firestore emulator and our FCM emulator once
 * (test/support/global-setup.ts) and drives the functions over HTTP (`npm run test:integration`).
 * @type {import('jest').Config}
 */
const shared = {
  // jest's node environment, holding back the code's JSON log lines unless a test fails.
  testEnvironment: '<rootDir>/test/support/quiet-logs-environment.ts',
  transform: {'^.+\\.ts$': ['ts-jest', {diagnostics: false}]},
};

module.exports = {
  maxWorkers: 2,
  // Integration tests drive real emulators; a project-level testTimeout is not honoured.
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
