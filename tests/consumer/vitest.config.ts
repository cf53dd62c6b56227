import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// Installs from the registry and production builds take minutes, and the suites share one set of
// packed tarballs (packed once by the global set-up): run the files one after another.
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      globalSetup: ['test/packTarballs.ts'],
      fileParallelism: false,
      testTimeout: 600_000,
      hookTimeout: 600_000,
    },
  }),
);
