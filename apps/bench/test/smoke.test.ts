import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumMissing } from '../src/browser.js';
import { terminalProgress } from '../src/progress.js';
import type { BenchReport } from '../src/model.js';
import { type CliIO, main } from '../src/run.js';
import { speedRow, zukoFixture, words } from './fixtures.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
  dirs.push(d);
  return d;
};

/** The report.json a run wrote to `out` (its schema is {@link BenchReport}, pictures without their SVG text). */
const readJson = (out: string): BenchReport =>
  JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as BenchReport;

/** An in-memory CLI: what the run printed on stdout and stderr. */
const capture = (isTTY = false): CliIO & { out: () => string; err: () => string } => {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY },
    out: () => out,
    err: () => err,
  };
};

// Tiny sizes and core's own flows: the smoke runs exercise every mode end to end in seconds
// without depending on the flow packages' state.
const tiny = words(
  '--flows core/diagonalGaussianFlow --reps 1 --warmup 0 --batch 16 --eval-batch 16',
);

/**
 * Runs the CLI in-process on `args` plus `--no-progress --out <a fresh temp folder>`:
 * the result, the captured output and the folder the reports went to.
 */
const run = async (args: string[]) => {
  const out = await tempDir();
  const io = capture();
  const r = await main([...args, '--no-progress', '--out', out], io);
  return { out, io, r };
};

/** A two-step quality run of core/diagonalGaussianFlow on `datasets` (cpu), plus `extra` flags. */
const quality = (datasets: string, ...extra: string[]) =>
  run([
    ...words('--mode quality --flows core/diagonalGaussianFlow --backends cpu --max-steps 2'),
    ...['--datasets', datasets, ...extra],
  ]);

describe('one-iteration smoke runs', () => {
  it('speed mode: prints the table, writes the three reports, leaks nothing', async () => {
    const { out, io, r } = await run([...tiny, '--backends', 'cpu']);
    expect(r.code).toBe(0);
    expect(io.out()).toContain('| core/diagonalGaussianFlow | train | 8 |');
    expect(io.out()).toContain('### GEMM');
    const speed = r.report!.speed!;
    expect(speed.rows.map((x) => `${x.op}:${x.status}`)).toEqual([
      'train:ok',
      'logProb:ok',
      'sample:ok',
    ]);
    expect(speed.rows.every((x) => x.leakedTensors === 0 && (x.samplesPerSecond ?? 0) > 0)).toBe(
      true,
    );
    expect(speed.gemm[0]!.gflops).toBeGreaterThan(0);
    expect(r.report!.leakedTensorsOverall).toBe(0);
    for (const f of ['report.json', 'report.md', 'report.html'])
      expect(existsSync(join(out, f))).toBe(true);
    const json = readJson(out);
    expect(json.options.mode).toBe('speed');
  });

  it("speed mode with --model --zuko MAF: the file's rows, at its own sizes, in the JSON report", async () => {
    const id = 'zuko/MAF (maf-2.safetensors)';
    const model = ['--model', zukoFixture('maf-2.safetensors'), '--zuko', 'MAF'];
    const tinyModel = words('--reps 1 --warmup 0 --batch 16 --eval-batch 16');
    const { out, io, r } = await run([
      '--mode',
      'speed',
      ...model,
      ...tinyModel,
      '--backends',
      'cpu',
    ]);
    expect(r.code).toBe(0);
    const json = readJson(out);
    expect(json.options.zuko).toBe('MAF');
    // Without --flows only the model runs.
    expect(json.flows.selected).toEqual([id]);
    expect(json.speed!.rows.map((x) => `${x.flow}:${x.backend}:${x.op}:${x.status}`)).toEqual([
      `${id}:cpu:train:ok`,
      `${id}:cpu:logProb:ok`,
      `${id}:cpu:sample:ok`,
    ]);
    for (const row of json.speed!.rows) {
      // zuko's MAF(2, transforms=3, hidden_features=(64, 64)), not the matrix's default sizes.
      expect(row).toMatchObject({ dim: 2, hidden: [64, 64], transforms: 3, params: 13836 });
      expect(row.leakedTensors).toBe(0);
      expect(row.samplesPerSecond).toBeGreaterThan(0);
    }
    expect(json.leakedTensorsOverall).toBe(0);
    expect(io.out()).toContain(`| ${id} | logProb | 13,836 |`);
    // With --flows, the presets' rows follow the model's.
    const both = await run([...model, ...tiny, '--backends', 'cpu', '--ops', 'logProb']);
    expect(both.r.code).toBe(0);
    expect(both.r.report!.speed!.rows.map((x) => `${x.flow}:${x.status}`)).toEqual([
      `${id}:ok`,
      'core/diagonalGaussianFlow:ok',
    ]);
  });

  it('quality mode: trains, scores the test split and draws the pictures', async () => {
    const { out, io, r } = await quality('moons,digits');
    expect(r.code).toBe(0);
    const rows = r.report!.quality!.rows;
    expect(rows.map((x) => `${x.dataset}:${x.status}`)).toEqual(['moons:ok', 'digits:ok']);
    for (const row of rows) {
      expect(Number.isFinite(row.testLL)).toBe(true);
      expect(row.testLLStdErr).toBeGreaterThan(0);
      expect(row.steps).toBe(2);
    }
    expect(r.report!.quality!.pictures.map((p) => p.file)).toEqual([
      'pictures/moons-core-diagonalGaussianFlow.svg',
      'pictures/digits-core-diagonalGaussianFlow.svg',
    ]);
    expect(existsSync(join(out, 'pictures', 'moons-core-diagonalGaussianFlow.svg'))).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('data:image/png;base64,');
    expect(io.out()).toContain('| moons | core/diagonalGaussianFlow | cpu |');
  });

  it('quality mode on FFJORD: the NFE column counts the training and test solves (through onSolve)', async () => {
    const { r } = await run(
      words(
        '--mode quality --flows continuous/ffjord --backends cpu --max-steps 1 --datasets moons --hidden 8',
      ),
    );
    expect(r.code).toBe(0);
    const [row] = r.report!.quality!.rows;
    expect(row?.status).toBe('ok');
    // Dopri5 evaluates the field 6 times a step plus once to start: NFE per solve is 6k + 1 or more.
    expect(row?.trainNfe).toBeGreaterThanOrEqual(7);
    expect(row?.testNfe).toBeGreaterThanOrEqual(7);
  });

  it('quality mode with --seeds: one training run per seed, pooled into mean [min, max]', async () => {
    const { io, r } = await quality('moons', '--seeds', '0,1,2');
    expect(r.code).toBe(0);
    const [row] = r.report!.quality!.rows;
    const runs = row!.runs!;
    expect(runs.map((x) => `${x.seed}:${x.steps}`)).toEqual(['0:2', '1:2', '2:2']);
    // Each seed shuffles (and initialises) differently, so the runs end in different places.
    expect(new Set(runs.map((x) => x.testLL)).size).toBe(3);
    const ll = runs.map((x) => x.testLL);
    expect(row!.testLL).toBeCloseTo((ll[0]! + ll[1]! + ll[2]!) / 3, 12);
    expect([row!.testLLMin, row!.testLLMax]).toEqual([Math.min(...ll), Math.max(...ll)]);
    expect(r.report!.quality!.pictures.map((p) => p.file)).toEqual([
      'pictures/moons-core-diagonalGaussianFlow.svg',
    ]);
    expect(io.out()).toMatch(
      /\| moons \| core\/diagonalGaussianFlow \| cpu \| \d+ \| -?\d+\.\d{3} \[/,
    );
  });

  it('distill mode: trains a MAF teacher, distils an IAF student, times both samplers', async () => {
    const { out, io, r } = await run(
      words(
        '--mode distill --backends cpu --train-backend cpu --hidden 8 --transforms 2 --max-steps 2 --distill-steps 3 --dim 2,64 --eval-batch 16 --reps 1 --warmup 0',
      ),
    );
    expect(r.code).toBe(0);
    const d = r.report!.distill!;
    const t = d.training;
    expect(t.status, t.reason).toBe('ok');
    expect(t.backend).toBe('cpu');
    expect(t.teacher!.flow).toBe('autoregressive/maf');
    expect(t.student!.flow).toBe('autoregressive/iaf');
    // Same architecture, so the same number of parameters.
    expect(t.student!.params).toBe(t.teacher!.params);
    expect(t.teacher!.steps).toBe(2);
    expect(t.student!.steps).toBe(3);
    expect(t.student!.klTail).toHaveLength(3);
    // Forward KL alone (α = 1); both per-step estimates are recorded, and the held-out forward KL is
    // scored once (after the last of 3 steps, before the first 250-step mark), so step 3 is kept.
    expect(t.student!.forwardWeight).toBe(1);
    expect(t.student!.forwardKlTail).toHaveLength(3);
    expect(t.student!.validation.map((v) => v.step)).toEqual([3]);
    expect(t.student!.bestStep).toBe(3);
    // The paired gap's mean is the difference of the two test means (float64 sums; 1e-9 slack).
    expect(Math.abs(t.gap!.mean - (t.student!.testLL - t.teacher!.testLL))).toBeLessThan(1e-9);
    expect(t.gap!.n).toBe(5000);
    expect(t.pass).toBe(t.gap!.mean >= -0.1);
    for (const m of [
      t.teacherLLOnStudentSamples,
      t.teacherLLOnTeacherSamples,
      t.klEstimate,
      t.forwardKlEstimate,
    ])
      expect(Number.isFinite(m!.mean) && m!.stdErr > 0).toBe(true);
    expect(d.speedups.map((s) => `${s.dim}:${s.backend}`)).toEqual(['2:cpu', '64:cpu']);
    expect(d.speedups.every((s) => (s.ratio ?? 0) > 0)).toBe(true);
    // The 20x criterion is judged at dim 64 only.
    expect(d.speedups.map((s) => typeof s.pass)).toEqual(['undefined', 'boolean']);
    expect(r.report!.speed!.rows.every((x) => x.op === 'sample' && x.leakedTensors === 0)).toBe(
      true,
    );
    expect(r.report!.leakedTensorsOverall).toBe(0);
    expect(io.out()).toContain('## Distillation (moons)');
    expect(io.out()).toContain('| teacher | autoregressive/maf |');
    expect(io.out()).toMatch(/\| test LL gap, student − teacher .* \| (PASS|FAIL) /);
    expect(existsSync(join(out, 'pictures', 'distill-moons-maf-iaf.svg'))).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Distillation (moons)');
    expect(html).toContain('data:image/png;base64,');
    const json = readJson(out);
    expect(json.distill!.training.status).toBe('ok');
    expect(json.distill!.pictures[0]!.svg).toBeUndefined();
  });

  const noChromium = chromiumMissing('/usr/bin/chromium');
  it(`browser mode: ${noChromium === undefined ? 'runs the wasm rows in headless Chromium' : 'reports the skip when Chromium is missing'}`, async () => {
    const { r } = await run(['--mode', 'browser', ...tiny, '--ops', 'logProb']);
    const b = r.report!.browser!;
    if (noChromium !== undefined) {
      expect(b.status).toBe('skipped');
      expect(b.reason).toContain('no Chromium');
      expect(r.code).toBe(0);
      return;
    }
    expect(b.status, b.reason).toBe('ok');
    expect(r.code).toBe(0);
    expect(b.crossOriginIsolated).toBe(true);
    expect(['simd', 'threaded-simd', 'plain']).toContain(b.wasm?.['flavour']);
    expect(b.rows.map((x) => `${x.backend}:${x.op}:${x.status}`)).toEqual([
      'browser-wasm:logProb:ok',
    ]);
    expect(b.gemm[0]!.status).toBe('ok');
  });

  it('a bad command line is exit code 2 with a message, not a stack trace', async () => {
    const file = join(await tempDir(), 'a-file');
    writeFileSync(file, ''); // a file where --out wants a folder
    for (const argv of [
      ['--bogus'],
      ['--reps', 'x'],
      ['--flows', 'no-such-flow', '--backends', 'cpu'],
      ['--out', join(file, 'sub')],
    ]) {
      const io = capture();
      const r = await main(argv, io);
      expect(r.code).toBe(2);
      expect(io.err()).toMatch(/^bijective-bench: /);
      expect(io.err()).not.toMatch(/\n\s+at /);
    }
    const listed = capture();
    expect((await main(['--list', '--backends', 'cpu'], listed)).code).toBe(0);
    expect(listed.out()).toContain('core/diagonalGaussianFlow');
    expect(listed.out()).toContain('cpu: available');
    const help = capture();
    expect((await main(['--help'], help)).code).toBe(0);
    expect(help.out()).toContain('Usage: bijective-bench');
  });

  it('a bad --model or --zuko is exit code 2 with the reason, before anything runs', async () => {
    const maf = zukoFixture('maf-2.safetensors');
    const missing = join(await tempDir(), 'no-such.safetensors');
    const cases: [string[], string][] = [
      [['--model', maf, '--zuko', 'maf'], "--zuko: expected one of MAF, RealNVP, NSF, got 'maf'"],
      [['--model', missing, '--zuko', 'MAF'], `--model: ${missing}: could not be read (ENOENT`],
      [['--model', maf], '--model needs --zuko MAF|RealNVP|NSF'],
      [['--zuko', 'MAF'], '--zuko names the class of a --model file'],
      [
        ['--mode', 'quality', '--model', maf, '--zuko', 'MAF'],
        '--model applies to --mode speed only',
      ],
      // fromZuko's own refusals, with the key it names: the wrong class, another zuko flow, not a state dict.
      [
        ['--model', maf, '--zuko', 'RealNVP'],
        "--model: transform.transforms.0.hyper.0.mask: expected a key of zuko's RealNVP layout",
      ],
      [
        ['--model', zukoFixture('unsupported-naf.safetensors'), '--zuko', 'MAF'],
        "--model: transform.transforms.0.univariate.network.0.bias: expected a key of zuko's MAF layout",
      ],
      [
        ['--model', join(import.meta.dirname, '..', 'package.json'), '--zuko', 'NSF'],
        '--model: header length: expected at most',
      ],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      const r = await main(
        [...argv, '--backends', 'cpu', '--no-progress', '--out', await tempDir()],
        io,
      );
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.report).toBeUndefined();
      expect(io.err()).toContain(`bijective-bench: ${message}`);
      expect(io.err()).not.toMatch(/\n\s+at /);
    }
  });

  it('the real CLI process exits with code 2 on an unknown flag and on a refused --model file', () => {
    const cli = words('--conditions=@bijective/source --import tsx src/cli.ts');
    const p = spawnSync(process.execPath, [...cli, '--frobnicate'], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
    expect(p.status).toBe(2);
    expect(p.stderr).toContain("unknown flag '--frobnicate'");
    const refused = spawnSync(
      process.execPath,
      [...cli, '--model', zukoFixture('unsupported-ncsf.safetensors'), '--zuko', 'NSF'],
      { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      "bijective-bench: --model: base.lower: expected a key of zuko's NSF layout",
    );
  });
});

describe('progress display', () => {
  const row = speedRow('autoregressive/maf', 'cpu', 'train', [0.01, 0.01, 0.01]);

  /** Shows two cells (`row` as `cpu · maf · train`, then `second` as `label`); returns all it wrote. */
  const twoCells = (isTTY: boolean, label: string, second: typeof row): string => {
    let s = '';
    const p = terminalProgress({ write: (x: string) => (s += x), isTTY });
    p.start(2);
    p.begin(0, 'cpu · maf · train');
    p.done(0, row);
    p.begin(1, label);
    p.done(1, second);
    p.finish();
    return s;
  };

  it('writes one plain line per cell when stderr is not a terminal', () => {
    const s = twoCells(false, 'cpu · maf · sample', { ...row, status: 'failed', reason: 'boom' });
    const lines = s.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[1\/2\] 0m00s {2}cpu · maf · train: 10\.0 ms \(IQR 0\.00 µs\), 25\.6k samples\/s$/,
    );
    expect(lines[1]).toContain('failed: boom');
    expect(s).not.toContain('\r');
  });

  it('redraws one status line on a terminal and keeps only failures and leaks', () => {
    const s = twoCells(true, 'cpu · maf · logProb', { ...row, leakedTensors: 4 });
    expect(s).toContain('\r\x1b[2K[1/2]');
    expect(s.split('\n').filter((l) => l.includes('LEAK 4 tensors'))).toHaveLength(1);
    expect(s).not.toContain('cpu · maf · train: '); // the ok cell is redrawn over, not kept
    expect(s.endsWith('\r\x1b[2K')).toBe(true);
  });
});
