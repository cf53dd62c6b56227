import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGES, type PackageName } from './packTarballs.js';
import {
  diskUsage,
  freshProject,
  installLine,
  numberAfter,
  readmeBlock,
  run,
  withTarballs,
} from './project.js';

/** What the README example must reach on held-out moons (it prints about -1.85; zuko's best is -1.72). */
const EXAMPLE_TEST_LL = -2.0;
/** node_modules of core + one flow package + one backend (issue 12's target). */
const MAX_INSTALL_MB = 80;

describe('an npm project that installs the packed packages with the README install line', () => {
  const tarballs = inject('tarballs');
  let dir = '';
  beforeAll(() => {
    dir = freshProject(tarballs);
    const [, , ...packages] = installLine('npm');
    run(dir, 'npm', ['install', ...withTarballs(packages, tarballs)]);
  });

  it('runs the README example verbatim: progress while training, then a good test log-likelihood', () => {
    writeFileSync(join(dir, 'example.mjs'), readmeBlock('## Example', 'js'));
    const out = run(dir, 'node', ['example.mjs']);
    console.log(out);
    expect(out).toMatch(/epoch \d+: validation log-likelihood -?\d/);
    expect(numberAfter(out, 'test log-likelihood:')).toBeGreaterThan(EXAMPLE_TEST_LL);
  });

  it(`installs in at most ${MAX_INSTALL_MB} MB of node_modules`, () => {
    const mb = diskUsage(join(dir, 'node_modules')) / 1e6;
    console.log(
      `node_modules of core + coupling + backend-wasm + fp-ts (npm): ${mb.toFixed(1)} MB`,
    );
    expect(mb).toBeLessThanOrEqual(MAX_INSTALL_MB);
  });

  it('require() from CommonJS gives the same module (Node >= 20.19 loads ES modules synchronously)', () => {
    writeFileSync(
      join(dir, 'check.cjs'),
      "const core = require('@bijective/core');\nconsole.log(typeof core.fit, typeof core.flow);\n",
    );
    expect(run(dir, 'node', ['check.cjs']).trim()).toBe('function function');
  });

  it('every published subpath (but ./testing, which needs the optional fast-check, and file patterns) imports in Node', () => {
    writeFileSync(
      join(dir, 'entries.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "for (const name of ['@bijective/core', '@bijective/coupling', '@bijective/backend-wasm']) {",
        "  const pkg = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));",
        '  for (const sub of Object.keys(pkg.exports)) {',
        "    if (sub === './package.json' || sub.endsWith('/testing') || sub.includes('*')) continue;",
        '    const m = await import(name + sub.slice(1));',
        '    console.log(`${name}${sub.slice(1)} ${Object.keys(m).length}`);',
        '  }',
        '}',
      ].join('\n'),
    );
    const out = run(dir, 'node', ['entries.mjs']);
    console.log(out);
    for (const entry of [
      '@bijective/core/transforms',
      '@bijective/core/presets',
      '@bijective/coupling/layers',
      '@bijective/backend-wasm',
      '@bijective/backend-wasm/kernels',
    ])
      expect(out).toMatch(new RegExp(`^${entry} [1-9]`, 'm'));
  });

  it('ships what a published package needs and nothing internal', () => {
    for (const name of [
      '@bijective/core',
      '@bijective/coupling',
      '@bijective/backend-wasm',
    ] as PackageName[]) {
      const root = join(dir, 'node_modules', name);
      const text = readFileSync(join(root, 'package.json'), 'utf8');
      const manifest = JSON.parse(text) as Record<string, unknown>;
      expect(existsSync(join(root, 'LICENSE')), `${name} LICENSE`).toBe(true);
      expect(text, `${name} publishes no workspace-only condition`).not.toContain(
        '@bijective/source',
      );
      expect(text).not.toContain('workspace:');
      expect(manifest['repository'], `${name} repository`).toMatchObject({
        directory: PACKAGES[name],
      });
      expect(manifest['engines'], `${name} engines`).toEqual({ node: '>=20.19' });
      expect(manifest['license']).toBe('MIT');
    }
    const core = JSON.parse(
      readFileSync(join(dir, 'node_modules/@bijective/core/package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
    };
    // The runtime needs tfjs-core and its cpu backend, not the whole of @tensorflow/tfjs or a test library.
    expect(Object.keys(core.dependencies).sort()).toEqual([
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-core',
      'fp-ts',
    ]);
  });
});
