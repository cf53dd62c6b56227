import { spawnSync } from 'node:child_process';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { STORED_ORIGIN } from '../src/reference.js';
import {
  type ZukoCellRequest,
  ZUKO_SCRIPT,
  liveReference,
  parseZukoOutput,
  pythonCandidates,
  zukoCellsFor,
  zukoReferenceFor,
} from '../src/zukoLive.js';
import { coreEntries } from '../src/flows.js';
import { maf, mafSpline } from '@bijective/autoregressive';
import { countParams, disposeParams } from '@bijective/core';
import { realNVP } from '@bijective/coupling';

const mafCell: ZukoCellRequest = {
  model: 'MAF',
  op: 'train',
  dim: 2,
  hidden: [64, 64],
  transforms: 5,
  batch: 256,
};
const output = (cells: unknown[]) =>
  JSON.stringify({ zuko: '1.6.0', torch: '1.13.0', threads: 2, python: '3.11.2', cells });

describe('parseZukoOutput', () => {
  it('reads the versions and timed cells; the live lookup divides the batch by the median', () => {
    const r = parseZukoOutput(
      `${output([{ ...mafCell, params: 23060, seconds: [0.02, 0.01, 0.04], calls: 4 }])}\n`,
    );
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect(r.right.cells[0]).toMatchObject({ model: 'MAF', params: 23060, calls: 4 });
    const ref = liveReference({ ...r.right, interpreter: '/usr/bin/python3' })('MAF', 'train', {
      dim: 2,
      hidden: [64, 64],
      transforms: 5,
      batch: 256,
    });
    expect(ref).toMatchObject({ dataset: 'moons', model: 'MAF', source: 'live' });
    expect(ref?.samplesPerSecond).toBeCloseTo(256 / 0.02, 9);
    expect(ref?.origin).toContain('zuko 1.6.0');
    // Another batch, or a model zuko did not time: no figure at all (not a stored one).
    expect(
      liveReference({ ...r.right, interpreter: 'p' })('MAF', 'train', {
        dim: 2,
        hidden: [64, 64],
        transforms: 5,
        batch: 128,
      }),
    ).toBeUndefined();
    expect(
      liveReference({ ...r.right, interpreter: 'p' })('NSF', 'train', { ...mafCell }),
    ).toBeUndefined();
  });

  it('keeps a failed cell with its error', () => {
    const r = parseZukoOutput(output([{ ...mafCell, error: 'RuntimeError: boom' }]));
    expect(E.isRight(r) && r.right.cells[0]?.error).toBe('RuntimeError: boom');
  });

  it.each([
    [
      'the script could not import torch',
      '{"error": "cannot import torch: No module named torch"}',
      'cannot import torch',
    ],
    ['not JSON', 'Traceback (most recent call last):', 'not JSON'],
    ['no output', '', 'not JSON'],
    ['missing versions', '{"cells": []}', 'missing zuko'],
    ['a zero time', output([{ ...mafCell, params: 1, seconds: [0], calls: 1 }]), 'seconds'],
    [
      'an unknown model',
      output([{ ...mafCell, model: 'Glow', params: 1, seconds: [1], calls: 1 }]),
      'unknown model',
    ],
  ])('refuses %s', (_, text, reason) => {
    const r = parseZukoOutput(text);
    expect(E.isLeft(r) && r.left).toContain(reason);
  });
});

describe('pythonCandidates', () => {
  it('tries BIJECTIVE_PYTHON, then /usr/bin/python3, then python3, each once', () => {
    expect(pythonCandidates({ BIJECTIVE_PYTHON: '/opt/py' })).toEqual([
      '/opt/py',
      '/usr/bin/python3',
      'python3',
    ]);
    expect(pythonCandidates({})).toEqual(['/usr/bin/python3', 'python3']);
    expect(pythonCandidates({ BIJECTIVE_PYTHON: 'python3' })).toEqual([
      'python3',
      '/usr/bin/python3',
    ]);
  });
});

describe('zukoCellsFor', () => {
  it('asks for each zuko model, operation and size once, whatever the number of backends', () => {
    const entry = { ...coreEntries()[0]!, reference: 'MAF' as const };
    const other = coreEntries()[0]!;
    const size = { dim: 2, hidden: [64, 64], transforms: 5, batch: 256, evalBatch: 1024 };
    const cells = zukoCellsFor(
      ['wasm', 'native'].flatMap((backend) => [
        { entry, op: 'train' as const, size, backend },
        { entry, op: 'sample' as const, size, backend },
        { entry: other, op: 'train' as const, size, backend },
      ]),
    );
    expect(cells).toEqual([{ ...mafCell }, { ...mafCell, op: 'sample', batch: 1024 }]);
  });
});

const tiny: ZukoCellRequest[] = [
  { model: 'MAF', op: 'train', dim: 2, hidden: [8], transforms: 1, batch: 16 },
  { model: 'RealNVP', op: 'logProb', dim: 2, hidden: [8], transforms: 1, batch: 16 },
  { model: 'NSF', op: 'sample', dim: 2, hidden: [8], transforms: 1, batch: 16 },
];
const timing = { warmup: 1, reps: 2, maxSeconds: 1 };

describe('zukoReferenceFor without a usable python', () => {
  // A bad BIJECTIVE_PYTHON, and a PYTHONPATH without zuko for the interpreters tried after it.
  const env = { PATH: process.env['PATH'] ?? '', PYTHONPATH: '/nonexistent' };
  const pythons = pythonCandidates({ BIJECTIVE_PYTHON: '/nonexistent/bin/python' });

  it('auto: falls back to the stored figures, labelled with their machine and date and why', async () => {
    const r = await zukoReferenceFor('auto', tiny, timing, 0, { pythons, env });
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect(r.right.info.source).toBe('stored');
    expect(r.right.info.origin).toBe(STORED_ORIGIN);
    expect(r.right.info.reason).toContain('/nonexistent/bin/python');
    expect(r.right.info.reason).toMatch(/cannot import (torch|zuko)|ENOENT/);
    const ref = r.right.lookup('MAF', 'train', {
      dim: 2,
      hidden: [64, 64],
      transforms: 5,
      batch: 256,
    });
    expect(ref).toMatchObject({ source: 'stored', samplesPerSecond: 62000 });
  });

  it('on: a Left naming each interpreter tried', async () => {
    const r = await zukoReferenceFor('on', tiny, timing, 0, { pythons, env });
    expect(E.isLeft(r) && r.left).toContain('--zuko-live on');
    expect(E.isLeft(r) && r.left).toContain('/nonexistent/bin/python');
  });

  it('off: stored figures without trying python', async () => {
    const r = await zukoReferenceFor('off', tiny, timing, 0, { pythons: ['/nonexistent/x'] });
    expect(E.isRight(r) && r.right.info).toEqual({ source: 'off', origin: STORED_ORIGIN });
  });
});

// The real thing, when this machine has PyTorch and zuko (zuko's source on PYTHONPATH, or in /tmp/zuko).
const liveEnv = {
  ...process.env,
  PYTHONPATH: process.env['PYTHONPATH'] ?? '/tmp/zuko',
};
const livePython = pythonCandidates(process.env).find(
  (p) =>
    spawnSync(p, ['-c', 'import torch, zuko'], { env: liveEnv, stdio: 'ignore', timeout: 60000 })
      .status === 0,
);
if (livePython === undefined)
  console.warn(
    'zukoLive.test: skipping the live run: no python among BIJECTIVE_PYTHON, /usr/bin/python3, python3 imports torch and zuko (PYTHONPATH or /tmp/zuko)',
  );

describe('zukoReferenceFor with PyTorch and zuko', () => {
  it.skipIf(livePython === undefined)(
    "times zuko's MAF, RealNVP and NSF at the given sizes and answers from that run",
    async () => {
      const r = await zukoReferenceFor('on', tiny, timing, 0, {
        pythons: [livePython!],
        env: liveEnv,
        script: ZUKO_SCRIPT,
      });
      expect(E.isRight(r), E.isLeft(r) ? r.left : '').toBe(true);
      if (E.isLeft(r)) return;
      expect(r.right.info.source).toBe('live');
      expect(r.right.info.origin).toMatch(/zuko \S+, PyTorch \S+ .*2 threads/);
      const cells = r.right.info.cells ?? [];
      expect(cells.map((c) => [c.model, c.op, c.error])).toEqual([
        ['MAF', 'train', undefined],
        ['RealNVP', 'logProb', undefined],
        ['NSF', 'sample', undefined],
      ]);
      // zuko's models have the parameter counts of the presets the bench times beside them.
      const size = { dim: 2, hidden: [8], transforms: 1 };
      const presets = [maf(size), realNVP(size), mafSpline(size)];
      expect(cells.map((c) => c.params)).toEqual(
        presets.map((def) => {
          const p = def.init(0);
          const n = countParams(p);
          disposeParams(p);
          return n;
        }),
      );
      for (const c of tiny) {
        const ref = r.right.lookup(c.model, c.op, c);
        expect(ref?.source).toBe('live');
        expect(ref?.samplesPerSecond).toBeGreaterThan(0);
      }
    },
    120_000,
  );
});
