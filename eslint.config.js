// Lint: typescript-eslint's recommended rules, plus the type-aware rules that guard what matters
// most in this code base: no promise left floating or passed where a callback's result is ignored
// (a TaskEither or a training run that nobody awaits loses its Left), no non-Error thrown.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/build/**',
      '**/bench-out/**',
      '**/test-artifacts/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      '**/vitest.config.ts',
      '**/vite.config.ts',
      'vitest.shared.ts',
      // One-off Node scripts (fixture generators, local checks), outside the packages' tsconfigs.
      '**/scripts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
