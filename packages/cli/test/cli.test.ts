import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, evaluate, logProb } from '@bijective/core';
import { parseCsv } from '@bijective/core/data';
import { loadFlow } from '@bijective/core/node';
import { builders } from '../src/flows.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

/** Run the command as a user's shell would: a separate Node process, its exit code, stdout and stderr. */
const run = (...args: string[]) => {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@bijective/source', '--import', 'tsx', bin, ...args],
    {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let dir = '';
const path = (name: string) => join(dir, name);

/** Rows of a correlated 3-D Gaussian in units far from standard: x ~ 100 + 10·N, y = 0.5x/10 + N(0, 0.1), z ~ U(−5, 5). */
const rows = (n: number, seed: number): number[][] => {
  let s = seed;
  const u = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return Array.from({ length: n }, () => {
    const a = g();
    return [100 + 10 * a, 0.5 * a + 0.1 * g(), 10 * u() - 5];
  });
};
const csv = (r: number[][], header = 'a,b,c') =>
  `${header}\n${r.map((x) => x.join(',')).join('\n')}\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bijective-cli-'));
  writeFileSync(path('train.csv'), csv(rows(600, 1)));
  writeFileSync(path('val.csv'), csv(rows(200, 2)));
  const model = run(
    'fit',
    path('train.csv'),
    '--val',
    path('val.csv'),
    '--flow',
    'maf',
    '--epochs',
    '6',
    '--hidden',
    '16,16',
    '--transforms',
    '2',
    '--out',
    path('model'),
    '--backend',
    'cpu',
  );
  if (model.code !== 0) throw new Error(`fit failed (${model.code}): ${model.err}`);
  writeFileSync(path('fit.log'), model.err);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bijective fit', () => {
  it('prints a progress line with the validation log-likelihood per epoch and saves a standardized model', async () => {
    const log = readFileSync(path('fit.log'), 'utf8');
    expect(log).toMatch(/backend: cpu/);
    expect(log.match(/^epoch \d+\/6 .* val LL -?\d+\.\d+ /gm)?.length).toBeGreaterThanOrEqual(1);
    expect(log).toMatch(/saved to /);
    const loaded = await loadFlow(path('model'), builders)();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(loaded.right.def.name).toBe('standardized');
    expect(loaded.right.def.config['flow']).toBe('maf');
    // The standardization is the training rows' statistics: mean of column a near 100.
    const mean = loaded.right.def.config['mean'] as number[];
    expect(Math.abs(mean[0]! - 100)).toBeLessThan(2);
    // Few epochs, but better than a standard normal on the standardized data (−3·1.419 − Σ log std ≈ −7.8 nats).
    const val = parseCsv(readFileSync(path('val.csv'), 'utf8'));
    if (E.isLeft(val)) throw val.left;
    const e = evaluate(loaded.right.def, loaded.right.params, val.right.rows);
    if (E.isLeft(e)) throw e.left;
    expect(e.right.nonFinite).toBe(0);
    expect(e.right.meanLogProb).toBeGreaterThan(-7.5);
    disposeParams(loaded.right.params);
  });

  it('holds out a seeded validation fraction without --val, and stops early with --patience', () => {
    const r = run(
      'fit',
      path('train.csv'),
      '--epochs',
      '1000',
      '--patience',
      '2',
      '--hidden',
      '8',
      '--transforms',
      '1',
      '--flow',
      'realNVP',
      '--out',
      path('m2'),
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/on 540 rows, validating on 60/);
    const stop = /stopped by patience after (\d+) epochs/.exec(r.err);
    expect(stop).not.toBeNull();
    expect(Number(stop![1])).toBeLessThan(1000);
  });
});

describe('bijective logprob / sample / info', () => {
  it('logprob prints one log-density per row, equal to the library’s on the loaded model', async () => {
    writeFileSync(path('rows.csv'), csv(rows(5, 3)));
    const r = run('logprob', path('model'), path('rows.csv'), '--backend', 'cpu');
    expect(r.code).toBe(0);
    const got = r.out.trim().split('\n').map(Number);
    expect(got).toHaveLength(5);
    const loaded = await loadFlow(path('model'), builders)();
    if (E.isLeft(loaded)) throw loaded.left;
    const lp = logProb(loaded.right.def, loaded.right.params, rows(5, 3));
    if (E.isLeft(lp)) throw lp.left;
    const want = Array.from(lp.right.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    lp.right.dispose();
    disposeParams(loaded.right.params);
    // --out writes the same values to a file.
    expect(
      run('logprob', path('model'), path('rows.csv'), '--out', path('lp.csv'), '--backend', 'cpu')
        .code,
    ).toBe(0);
    expect(readFileSync(path('lp.csv'), 'utf8')).toBe(r.out);
  });

  it('sample prints n rows of the data’s width, in the data’s units, reproducibly by seed', () => {
    const a = run('sample', path('model'), '-n', '300', '--seed', '4', '--backend', 'cpu');
    expect(a.code).toBe(0);
    const t = parseCsv(a.out);
    if (E.isLeft(t)) throw t.left;
    expect(t.right.rows).toHaveLength(300);
    expect(t.right.rows.every((r) => r.length === 3)).toBe(true);
    const meanA = t.right.rows.reduce((s, r) => s + r[0]!, 0) / 300;
    expect(Math.abs(meanA - 100)).toBeLessThan(5); // raw units, not standardized ones (≈ 0)
    expect(run('sample', path('model'), '-n', '300', '--seed', '4', '--backend', 'cpu').out).toBe(
      a.out,
    );
  });

  it('info describes the flow, its size and its standardization', () => {
    const r = run('info', path('model'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/flow: +maf/);
    expect(r.out).toMatch(/dimension: +3/);
    expect(r.out).toMatch(/standardization: mean \[/);
    const j = run('info', path('model'), '--json');
    expect(JSON.parse(j.out)).toMatchObject({
      flow: 'maf',
      dim: 3,
      options: { transforms: 2, hidden: [16, 16] },
    });
  });
});

describe('bad usage and bad input: exit code 2 and a message naming the problem', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['no command', () => [], /usage: bijective/],
    ['an unknown command', () => ['frobnicate'], /unknown command 'frobnicate'/],
    [
      'an unknown option',
      () => ['fit', path('train.csv'), '--out', path('x'), '--bogus'],
      /Unknown option '--bogus'/,
    ],
    ['a missing --out', () => ['fit', path('train.csv')], /missing --out/],
    [
      'a bad number',
      () => ['fit', path('train.csv'), '--out', path('x'), '--epochs', 'ten'],
      /--epochs: expected an integer/,
    ],
    [
      'an unknown flow',
      () => ['fit', path('train.csv'), '--out', path('x'), '--flow', 'nope'],
      /--flow: expected .*maf/,
    ],
    ['a missing data file', () => ['fit', path('none.csv'), '--out', path('x')], /none\.csv/],
    [
      'a non-number in the data',
      () => ['fit', path('bad.csv'), '--out', path('x')],
      /bad\.csv line 3, column 2 \(b\): expected a finite number, got 'oops'/,
    ],
    [
      'a ragged row',
      () => ['fit', path('ragged.csv'), '--out', path('x')],
      /ragged\.csv line 3: expected 3 fields/,
    ],
    ['a constant column', () => ['fit', path('constant.csv'), '--out', path('x')], /c is constant/],
    [
      'a validation file of another width',
      () => ['fit', path('train.csv'), '--val', path('narrow.csv'), '--out', path('x')],
      /expected 3 columns/,
    ],
    [
      'rows of the wrong width',
      () => ['logprob', path('model'), path('narrow.csv')],
      /expected 3 columns \(the model's dimension\), got 2/,
    ],
    ['a folder that is not a model', () => ['info', dir], /flow\.json/],
    ['a corrupted model', () => ['sample', path('broken'), '-n', '5'], /model .*broken.*checksum/],
    [
      'a bad sample count',
      () => ['sample', path('model'), '-n', '0'],
      /-n: expected an integer in \[1,/,
    ],
    [
      'an unknown backend',
      () => ['sample', path('model'), '--backend', 'gpu'],
      /--backend: expected auto \| native \| wasm \| cpu/,
    ],
  ];
  beforeAll(() => {
    writeFileSync(path('bad.csv'), 'a,b,c\n1,2,3\n4,oops,6\n');
    writeFileSync(path('ragged.csv'), '1,2,3\n4,5,6\n7,8\n');
    writeFileSync(path('constant.csv'), csv(rows(50, 5).map((r) => [r[0]!, r[1]!, 7])));
    writeFileSync(path('narrow.csv'), '1,2\n3,4\n');
    const broken = path('broken');
    rmSync(broken, { recursive: true, force: true });
    run(
      'fit',
      path('train.csv'),
      '--epochs',
      '1',
      '--hidden',
      '4',
      '--transforms',
      '1',
      '--out',
      broken,
      '--backend',
      'cpu',
    );
    // An edited statistic: the checksum no longer matches, so the loader refuses the model.
    const manifest = JSON.parse(readFileSync(join(broken, 'flow.json'), 'utf8'));
    manifest.config.mean[0] += 1;
    writeFileSync(join(broken, 'flow.json'), JSON.stringify(manifest));
  }, 120_000);
  for (const [what, args, message] of cases)
    it(what, () => {
      const r = run(...args());
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
    });

  it('--help prints a command’s options and exits 0', () => {
    const r = run('fit', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--val <val\.csv>/);
  });

  it('an unwritable output is a runtime failure: exit code 1', () => {
    const r = run(
      'logprob',
      path('model'),
      path('rows.csv'),
      '--out',
      join(dir, 'no', 'such', 'dir', 'x.csv'),
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/could not write/);
  });
});
