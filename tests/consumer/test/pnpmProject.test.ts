import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import {
  freshProject,
  installLine,
  numberAfter,
  readme,
  readmeBlock,
  run,
  withTarballs,
} from './project.js';

describe('a pnpm project that installs the packed packages', () => {
  const tarballs = inject('tarballs');

  it('runs the README example verbatim after the README install line', () => {
    const dir = freshProject(tarballs);
    const [, , ...packages] = installLine('pnpm');
    run(dir, 'pnpm', ['add', ...withTarballs(packages, tarballs)]);
    writeFileSync(join(dir, 'example.mjs'), readmeBlock('## Example', 'js'));
    const out = run(dir, 'node', ['example.mjs']);
    expect(out).toMatch(/epoch \d+: validation log-likelihood -?\d/);
    expect(numberAfter(out, 'test log-likelihood:')).toBeGreaterThan(-2.0);
  });

  it("builds the native backend when allowed the README's way, and it trains", () => {
    // The README's pnpm set-up for the native addon: allow its build script, then install.
    const allow = '"pnpm": { "onlyBuiltDependencies": ["@bijective/backend-node"] }';
    expect(readme()).toContain(allow);
    // pnpm matches a registry package by name; a tarball standing in for the registry is matched
    // as `name@file:<path>` (what `pnpm approve-builds` writes for it), so both are listed.
    const dir = freshProject(tarballs);
    const tarball = `@bijective/backend-node@file:${relative(dir, tarballs['@bijective/backend-node'])}`;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      pnpm: Record<string, unknown>;
    };
    manifest.pnpm['onlyBuiltDependencies'] = ['@bijective/backend-node', tarball];
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    const names = [
      '@bijective/core',
      '@bijective/autoregressive',
      '@bijective/backend-node',
      'fp-ts',
    ];
    run(dir, 'pnpm', ['add', ...withTarballs(names, tarballs)]);
    writeFileSync(
      join(dir, 'native.mjs'),
      [
        "import * as E from 'fp-ts/lib/Either.js';",
        "import { fit, tf, useBackend } from '@bijective/core';",
        "import { twoMoons } from '@bijective/core/datasets';",
        "import { maf } from '@bijective/autoregressive';",
        "import { nativeBackend } from '@bijective/backend-node';",
        'const ready = await useBackend(nativeBackend())();',
        'if (E.isLeft(ready)) throw ready.left;',
        'const r = await fit(maf({ dim: 2 }), twoMoons(1000), { maxSteps: 50, validationFraction: 0 });',
        'if (E.isLeft(r)) throw r.left;',
        'console.log(`backend ${tf.getBackend()} steps ${r.right.steps}`);',
      ].join('\n'),
    );
    expect(run(dir, 'node', ['native.mjs']).trim()).toBe('backend native steps 50');
    // Both published entries import from the installed tarball: the plugin, and the addon
    // loader with the kernel registration on ./kernels.
    writeFileSync(
      join(dir, 'entries.mjs'),
      [
        "import { nativeBackend } from '@bijective/backend-node';",
        "import { NATIVE_KERNELS, loadNativeAddon } from '@bijective/backend-node/kernels';",
        'console.log(typeof nativeBackend, typeof loadNativeAddon, NATIVE_KERNELS.length > 0);',
      ].join('\n'),
    );
    expect(run(dir, 'node', ['entries.mjs']).trim()).toBe('function function true');
    // And the README's rebuild command works outside this repo.
    run(dir, 'pnpm', ['rebuild', '@bijective/backend-node']);
    expect(run(dir, 'node', ['native.mjs']).trim()).toBe('backend native steps 50');
  });
});
