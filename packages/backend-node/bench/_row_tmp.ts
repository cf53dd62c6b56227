// The bench's GEMM row (matMul 512x256 @ 256x256, read back, dispose) on `native`: rounds x reps timings.
import { tf, useBackend } from '@bijective/core';
import { nativeBackend } from '@bijective/backend-node';
const addonPath = process.env.ADDON;
const threads = Number(process.env.THREADS ?? 2);
const r = await useBackend(nativeBackend({ threads, ...(addonPath ? { addonPath } : {}) }))();
if (r._tag !== 'Right') throw new Error(JSON.stringify(r));
const a = tf.randomNormal([512, 256], 0, 1, 'float32', 1);
const b = tf.randomNormal([256, 256], 0, 1, 'float32', 2);
const q = (xs: number[], p: number) => { const s = [...xs].sort((x, y) => x - y); const i = (s.length - 1) * p; const lo = Math.floor(i); return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo); };
const ts: number[] = [];
const f0 = process.resourceUsage().minorPageFault;
for (let round = 0; round < Number(process.env.ROUNDS ?? 5); round++) {
  for (let i = 0; i < 3; i++) { const t = tf.matMul(a, b); await t.data(); t.dispose(); }
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const t = tf.matMul(a, b); if (process.env.NOREAD) { await Promise.resolve(); } else { await t.data(); } t.dispose();
    ts.push((performance.now() - t0) * 1000);
  }
}
const med = q(ts, 0.5), iqr = q(ts, 0.75) - q(ts, 0.25);
console.log(`${process.env.LABEL ?? ''} threads=${threads} n=${ts.length} median=${med.toFixed(0)}us (${(2*512*256*256/med/1e3).toFixed(0)} GF/s) iqr=${iqr.toFixed(0)} (${(100*iqr/med).toFixed(0)}%) min=${Math.min(...ts).toFixed(0)} faults/call=${((process.resourceUsage().minorPageFault - f0)/ts.length).toFixed(0)}`);
