import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freshProject, readme, readmeBlock, run } from './project.js';

/** Rows of a 3-D distribution in units far from standard (column a around 100), from a fixed LCG. */
const csv = (n: number, seed: number): string => {
  let s = seed;
  const u = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const rows = Array.from({ length: n }, () => {
    const a = g();
    return `${100 + 10 * a},${0.5 * a + 0.1 * g()},${10 * u() - 5}`;
  });
  return `a,b,c\n${rows.join('\n')}\n`;
};

describe('the README\'s "Fit your own data" in an npm project with the packed packages', () => {
  const tarballs = inject('tarballs');
  let dir = '';
  beforeAll(() => {
    dir = freshProject(tarballs);
    // The CLI and its @bijective dependencies from their tarballs (npm reuses the top-level ones).
    const names = [
      '@bijective/cli',
      '@bijective/core',
      '@bijective/coupling',
      '@bijective/autoregressive',
      '@bijective/backend-wasm',
      '@bijective/backend-node',
    ] as const;
    run(dir, 'npm', ['install', ...names.map((n) => tarballs[n]), 'fp-ts']);
    writeFileSync(join(dir, 'data.csv'), csv(800, 1));
    writeFileSync(join(dir, 'val.csv'), csv(200, 2));
    writeFileSync(join(dir, 'rows.csv'), csv(5, 3));
  });

  it('runs the library block verbatim and prints a test log-likelihood without non-finite values', () => {
    writeFileSync(join(dir, 'own.mjs'), readmeBlock('## Fit your own data', 'js'));
    const out = run(dir, 'node', ['own.mjs']);
    console.log(out);
    expect(out).toMatch(/meanLogProb: -?\d/);
    expect(out).toMatch(/nonFinite: 0/);
  });

  it('runs the command block (bijective from the installed bin): fit, logprob, sample, info', () => {
    const text = readme();
    const at = text.indexOf('\n## Fit your own data\n');
    const open = text.indexOf('```sh\n', at);
    const lines = text
      .slice(open + 6, text.indexOf('\n```', open + 6))
      .split('\n')
      .filter((l) => l.startsWith('bijective '));
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['fit', 'logprob', 'sample', 'info']);
    // Each line as the README writes it, with `bijective` run through npx (the package's bin).
    const shell = (l: string) =>
      `bijective() { npx --no-install bijective "$@"; }\n{\n${l}\n} 2>&1\n`;
    const out = lines.map((l) => run(dir, 'sh', ['-c', shell(l)]));
    console.log(out.join('\n'));
    expect(out[0]).toMatch(/backend: native/); // the addon was built by npm at install
    expect(out[0]).toMatch(/epoch \d+\/200 .* val LL -?\d/);
    const lp = readFileSync(join(dir, 'logprob.csv'), 'utf8').trim().split('\n').map(Number);
    expect(lp).toHaveLength(5);
    expect(lp.every(Number.isFinite)).toBe(true);
    const samples = readFileSync(join(dir, 'samples.csv'), 'utf8').trim().split('\n');
    expect(samples).toHaveLength(1000);
    expect(out[3]).toMatch(/flow: +maf/);
  });

  it('exits 2 with the file, line and column for a bad value', () => {
    writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3,x\n');
    let message = '';
    try {
      run(dir, 'npx', ['--no-install', 'bijective', 'fit', 'bad.csv', '--out', 'm']);
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/bad\.csv line 3, column 2 \(b\): expected a finite number, got 'x'/);
    const r = run(dir, 'sh', [
      '-c',
      'npx --no-install bijective fit bad.csv --out m; echo "exit $?"',
    ]);
    expect(r).toMatch(/exit 2/);
  });
});
