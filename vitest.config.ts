import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        // Real Prosody, keyring and SQLCipher: slower, and each file owns its own fixtures.
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          pool: 'forks',
          fileParallelism: false,
          // A real KDF (~250 ms), keychain and worker start-up sit behind many UI steps; CI machines are noisy.
          expect: { poll: { timeout: 15_000, interval: 50 } },
        },
      },
    ],
  },
});
