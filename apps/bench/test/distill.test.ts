import { distill } from '@bijective/autoregressive';
import { describe, expect, it } from 'vitest';
import {
  type Distill,
  STUDENT_ID,
  TEACHER_ID,
  loadDistill,
  meanWithError,
  speedups,
  windowedCurve,
} from '../src/distill.js';
import type { SpeedRow } from '../src/model.js';
import { speedRow, words } from './fixtures.js';

/** A sample cell at `dim` on `backend` taking `seconds` per 1024 draws. */
const sampleCell = (flow: string, backend: string, dim: number, seconds: number): SpeedRow => ({
  ...speedRow(flow, backend, 'sample', [seconds, seconds, seconds]),
  dim,
});

describe('distill helpers', () => {
  it('speedups pairs MAF and IAF by dim and backend and judges 20x at dim 64 only', () => {
    const rows: SpeedRow[] = [
      sampleCell(TEACHER_ID, 'cpu', 2, 0.02),
      sampleCell(STUDENT_ID, 'cpu', 2, 0.01),
      sampleCell(TEACHER_ID, 'cpu', 64, 1),
      sampleCell(STUDENT_ID, 'cpu', 64, 0.04),
      sampleCell(TEACHER_ID, 'wasm', 64, 0.1),
      sampleCell(STUDENT_ID, 'wasm', 64, 0.01),
      { ...sampleCell(TEACHER_ID, 'native', 64, 1), status: 'failed', reason: 'boom' },
      sampleCell(STUDENT_ID, 'native', 64, 0.01),
    ];
    const s = speedups(rows);
    expect(s.map((r) => `${r.dim}:${r.backend}`)).toEqual(words('2:cpu 64:cpu 64:wasm 64:native'));
    expect(s[0]!.ratio).toBeCloseTo(2, 12);
    expect(s[0]!.pass).toBeUndefined();
    expect(s[1]!.ratio).toBeCloseTo(25, 10);
    expect(s[1]!.pass).toBe(true);
    expect(s[2]!.ratio).toBeCloseTo(10, 10);
    expect(s[2]!.pass).toBe(false);
    // A failed side gives no ratio, a FAIL at dim 64, and the reason.
    expect(s[3]!.ratio).toBeUndefined();
    expect(s[3]!.pass).toBe(false);
    expect(s[3]!.reason).toContain('boom');
  });

  it('windowedCurve averages consecutive windows, the last one possibly shorter', () => {
    expect(windowedCurve([4, 2, 3, 1, 5], 2)).toEqual([
      { step: 2, kl: 3 },
      { step: 4, kl: 2 },
      { step: 5, kl: 5 },
    ]);
    expect(windowedCurve([], 50)).toEqual([]);
  });

  it("loadDistill finds autoregressive's distill, whose type is the Distill signature", async () => {
    const typed: Distill = distill; // a compile-time check of the structural signature
    expect(await loadDistill()).toBe(typed);
  });

  it('meanWithError is the mean and s/sqrt(n)', () => {
    const m = meanWithError([1, 2, 3, 4]);
    expect(m.mean).toBe(2.5);
    expect(m.stdErr).toBeCloseTo(Math.sqrt(5 / 3 / 4), 12);
    expect(m.n).toBe(4);
  });
});
