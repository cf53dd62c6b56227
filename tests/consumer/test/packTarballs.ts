import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/** The published packages, by npm name, with their folder in this repo. */
export const PACKAGES = {
  '@bijective/core': 'packages/core',
  '@bijective/coupling': 'packages/coupling',
  '@bijective/autoregressive': 'packages/autoregressive',
  '@bijective/continuous': 'packages/continuous',
  '@bijective/backend-wasm': 'packages/backend-wasm',
  '@bijective/backend-node': 'packages/backend-node',
  '@bijective/interop': 'packages/interop',
  '@bijective/cli': 'packages/cli',
} as const;

export type PackageName = keyof typeof PACKAGES;
export type Tarballs = Record<PackageName, string>;

declare module 'vitest' {
  export interface ProvidedContext {
    tarballs: Tarballs;
  }
}

const repo = resolve(import.meta.dirname, '../../..');

/**
 * vitest global set-up: `pnpm pack` every published package once (its `dist` must be built:
 * turbo builds this package's workspace dependencies before its tests), exactly the tarballs
 * `pnpm publish` would upload, and hand their paths to the test files.
 */
export default function setup(project: TestProject): () => void {
  const out = join(tmpdir(), `bijective-tarballs-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tarballs = {} as Record<PackageName, string>;
  for (const [name, dir] of Object.entries(PACKAGES) as [PackageName, string][]) {
    const before = new Set(readdirSync(out));
    execFileSync('pnpm', ['pack', '--pack-destination', out], {
      cwd: join(repo, dir),
      stdio: 'pipe',
    });
    const made = readdirSync(out).filter((f) => !before.has(f));
    if (made.length !== 1) throw new Error(`pnpm pack in ${dir} made ${made.length} files`);
    tarballs[name] = join(out, made[0]!);
  }
  project.provide('tarballs', tarballs);
  return () => rmSync(out, { recursive: true, force: true });
}
