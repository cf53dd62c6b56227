import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings. Workspace packages resolve each other's TypeScript
 * sources through the `@bijective/source` export condition, so tests never
 * need a prior build; published consumers get `dist/`. `@bijective/vitest`
 * picks core's gradient registrations from tfjs-core's ES modules, which
 * vitest (unlike Node itself) can load.
 */
const conditions = [
  '@bijective/vitest',
  '@bijective/source',
  'import',
  'module',
  'node',
  'default',
];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@bijective/source'] } },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
    fileParallelism: true,
  },
});
