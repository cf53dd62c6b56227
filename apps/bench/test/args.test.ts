import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type BenchOptions, helpText, parseArgs, presetDefaults } from '../src/args.js';
import { words } from './fixtures.js';

const run = (argv: string[]): BenchOptions => {
  const r = parseArgs(argv);
  if (E.isLeft(r)) throw new Error(r.left.message);
  if (r.right.kind !== 'run') throw new Error('expected a run');
  return r.right.options;
};

const error = (argv: string[]): string => {
  const r = parseArgs(argv);
  if (E.isRight(r)) throw new Error(`expected a usage error for ${argv.join(' ')}`);
  return r.left.message;
};

describe('parseArgs', () => {
  it('defaults to speed mode with the quick preset (the one `pnpm bench` runs)', () => {
    const o = run([]);
    expect(o.mode).toBe('speed');
    expect(o.preset).toBe('quick');
    expect(o).toEqual(presetDefaults('quick', 'speed'));
    expect(o.dims).toEqual([2]);
    expect(o.budgetSeconds).toBeLessThan(180);
    expect(o.out).toBe('./bench-out');
  });

  it('takes the full preset, then lets flags override its defaults in any order', () => {
    const o = run(['--reps', '7', '--preset', 'full']);
    expect(o.preset).toBe('full');
    expect(o.dims).toEqual([2, 64]);
    expect(o.reps).toBe(7);
  });

  it('accepts --flag=value, comma lists, "all", and ignores a bare --', () => {
    const o = run([
      '--',
      '--mode=quality',
      '--datasets',
      'moons,digits',
      '--backends=all',
      '--flows',
      'maf, coupling/glow',
      '--dim=2,64',
    ]);
    expect(o.mode).toBe('quality');
    expect(o.datasets).toEqual(['moons', 'digits']);
    expect(o.backends).toEqual(['cpu', 'wasm', 'native', 'tensorflow']);
    expect(o.flows).toEqual(['maf', 'coupling/glow']);
    expect(o.dims).toEqual([2, 64]);
  });

  it('uses mode-dependent defaults: quality caps each training run', () => {
    expect(run(['--mode', 'quality']).budgetSeconds).toBe(15);
    expect(run(['--mode', 'quality', '--preset', 'full']).maxEpochs).toBe(1000);
    expect(run(['--mode', 'quality', '--max-steps', '4']).maxSteps).toBe(4);
  });

  it('distill mode: dims 2 and 64, a distillation step budget, small sampling batches', () => {
    const quick = run(['--mode', 'distill']);
    expect(quick.dims).toEqual([2, 64]);
    expect(quick.datasets).toEqual(['moons']);
    expect(quick.distillSteps).toBe(100);
    expect(quick.maxEpochs).toBe(3);
    expect(quick.budgetSeconds).toBe(15);
    expect(quick.evalBatch).toBe(64);
    expect(quick.trainBackend).toBeUndefined();
    const full = run(['--mode=distill', '--preset', 'full', '--train-backend', 'wasm']);
    expect(full.distillSteps).toBe(10000);
    expect(full.maxEpochs).toBe(1000);
    expect(full.evalBatch).toBe(256);
    expect(full.trainBackend).toBe('wasm');
    expect(run(['--mode', 'distill', '--distill-steps', '500']).distillSteps).toBe(500);
    expect(full.forwardWeight).toBe(1);
    expect(run(['--mode', 'distill', '--forward-weight', '0.5']).forwardWeight).toBe(0.5);
    expect(run(['--mode', 'distill', '--forward-weight', '0']).forwardWeight).toBe(0);
    expect(run(['--mode', 'distill', '--datasets', 'moons']).datasets).toEqual(['moons']);
  });

  it('--seeds: quality trains once per listed seed; --seed alone keeps one run', () => {
    expect(run(['--mode', 'quality', '--seeds', '0,1,2']).seeds).toEqual([0, 1, 2]);
    expect(run(['--mode=quality', '--seeds=7']).seeds).toEqual([7]);
    const one = run(['--mode', 'quality', '--seed', '3']);
    expect(one.seed).toBe(3);
    expect(one.seeds).toBeUndefined();
  });

  it('parses numbers strictly', () => {
    expect(run(['--budget-seconds', '2.5']).budgetSeconds).toBe(2.5);
    expect(run(['--warmup', '0']).warmup).toBe(0);
    expect(run(['--hidden', '8,8,8']).hidden).toEqual([8, 8, 8]);
    expect(run(['--no-progress']).progress).toBe(false);
  });

  it('--list asks for the catalog with the other options parsed', () => {
    const r = parseArgs(['--list', '--backends', 'cpu']);
    expect(E.isRight(r) && r.right.kind === 'list' && r.right.options.backends).toEqual(['cpu']);
  });

  it('returns help for -h and --help, even after other flags', () => {
    expect(parseArgs(['--help'])).toEqual(E.right({ kind: 'help' }));
    expect(parseArgs(['--reps', '3', '-h'])).toEqual(E.right({ kind: 'help' }));
  });

  it.each([
    [['--frobnicate'], "unknown flag '--frobnicate'"],
    [['stray'], "unexpected argument 'stray'"],
    [['--reps'], '--reps needs a value'],
    [['--reps', '--warmup', '1'], '--reps needs a value'],
    [['--reps', '0'], "--reps: expected an integer ≥ 1, got '0'"],
    [['--reps', '2.5'], "--reps: expected an integer ≥ 1, got '2.5'"],
    [['--batch', 'many'], "--batch: expected an integer ≥ 1, got 'many'"],
    [['--dim', '2,x'], "--dim: expected an integer ≥ 1, got 'x'"],
    [['--budget-seconds', '-1'], "--budget-seconds: expected a positive number, got '-1'"],
    [['--mode', 'fast'], "--mode: expected one of speed, quality, browser, distill, got 'fast'"],
    [['--distill-steps', '0'], "--distill-steps: expected an integer ≥ 1, got '0'"],
    [['--forward-weight', '1.5'], "--forward-weight: expected a number in [0, 1], got '1.5'"],
    [['--forward-weight', ''], "--forward-weight: expected a number in [0, 1], got ''"],
    [['--forward-weight', 'NaN'], "--forward-weight: expected a number in [0, 1], got 'NaN'"],
    [
      ['--train-backend', 'gpu'],
      "--train-backend: expected one of cpu, wasm, native, tensorflow, got 'gpu'",
    ],
    [['--mode', 'distill', '--flows', 'maf'], '--mode distill always trains autoregressive/maf'],
    [['--mode', 'distill', '--datasets', 'digits'], '--mode distill runs on moons only'],
    [
      ['--backends', 'cpu,gpu'],
      "--backends: expected one of cpu, wasm, native, tensorflow, got 'gpu'",
    ],
    [
      ['--datasets', 'mnist'],
      "--datasets: expected one of moons, 8gaussians, checkerboard, pinwheel, 2spirals, digits, got 'mnist'",
    ],
    [['--ops', ''], '--ops: expected a comma-separated list'],
    [['--no-progress=yes'], '--no-progress takes no value'],
    [['--mode', 'browser', '--backends', 'cpu'], '--mode browser runs only the wasm backend'],
    [['--mode', 'quality', '--seeds', '0,-1'], "--seeds: expected an integer ≥ 0, got '-1'"],
    [['--mode', 'quality', '--seeds', '0,1,0'], "--seeds: expected distinct seeds, got '0,1,0'"],
    [['--mode', 'quality', '--seeds', ''], '--seeds: expected a comma-separated list of integers'],
    [['--seeds', '0,1'], '--seeds applies to --mode quality only'],
    [['--mode', 'quality', '--seed', '1', '--seeds', '0,1'], 'give either --seed or --seeds'],
    [['--reps', '1e3'], "--reps: expected an integer ≥ 1, got '1e3'"],
    [['--reps='], "--reps: expected an integer ≥ 1, got ''"],
    [['--seed', '-3'], "--seed: expected an integer ≥ 0, got '-3'"],
    [['--hidden', '8,8,0'], "--hidden: expected an integer ≥ 1, got '0'"],
    [['--dim', ',,'], "--dim: expected a comma-separated list of integers, got ',,'"],
    [['--cell-seconds', 'Infinity'], "--cell-seconds: expected a positive number, got 'Infinity'"],
    [['--preset', 'slow'], "--preset: expected one of quick, full, got 'slow'"],
    [['--ops', 'train,backward'], "--ops: expected one of train, logProb, sample, got 'backward'"],
    [['--flows', ' , '], '--flows: expected a comma-separated list of names'],
    [['--out', ''], '--out: expected a folder'],
    [['--chromium='], '--chromium: expected a path'],
    [['--train-backend'], '--train-backend needs a value: --train-backend NAME'],
    [['--no-progress', 'x'], "unexpected argument 'x'"],
    [['-x'], "unknown flag '-x'"],
    [['--frob=1'], "unknown flag '--frob'"],
  ])('rejects %j with a message naming the problem', (argv, text) => {
    expect(error(argv)).toContain(text);
  });

  it('list flags: trim items, drop repeats in first order, expand a lone "all"', () => {
    expect(run(['--backends', ' wasm , cpu,wasm,cpu ']).backends).toEqual(['wasm', 'cpu']);
    expect(run(['--datasets=all']).datasets).toEqual(
      words('moons 8gaussians checkerboard pinwheel 2spirals digits'),
    );
    expect(run(['--ops', 'sample,train']).ops).toEqual(['sample', 'train']);
    expect(run(['--dim', ' 3, 5 ,']).dims).toEqual([3, 5]);
    expect(error(['--ops', 'all,train'])).toContain(
      "--ops: expected one of train, logProb, sample, got 'all'",
    );
  });

  it('a later flag overrides an earlier one; a bare - is a value', () => {
    expect(run(['--reps', '3', '--reps=4']).reps).toBe(4);
    expect(run(['--out', '-']).out).toBe('-');
  });

  it('accepts every flag that --help lists, with its placeholder', () => {
    const listed = helpText()
      .split('\n')
      .map((line) => /^ {2}(--[a-z-]+)(?: (\S+))?/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(listed.length).toBeGreaterThanOrEqual(25);
    for (const [, flag, placeholder] of listed) {
      if (flag === '--help' || flag === '--list') continue;
      // A switch parses alone; a flag with a placeholder is known and asks for its value.
      if (placeholder === undefined) expect(E.isRight(parseArgs([flag!]))).toBe(true);
      else expect(error([flag!])).toBe(`${flag} needs a value: ${flag} ${placeholder}`);
    }
  });

  it('documents every flag in --help', () => {
    const help = helpText();
    for (const flag of words(
      '--mode --preset --flows --backends --ops --dim --batch --eval-batch --reps --out --max-epochs --budget-seconds --distill-steps --train-backend --seeds distill --help',
    )) {
      expect(help).toContain(flag);
    }
  });
});
