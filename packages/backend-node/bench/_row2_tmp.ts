import { tf, useBackend } from '@bijective/core';
import { nativeBackend } from '@bijective/backend-node';
const threads = Number(process.env.THREADS ?? 2);
const r = await useBackend(nativeBackend({ threads, addonPath: process.env.ADDON! }))();
if (r._tag !== 'Right') throw new Error('no');
const a = tf.randomNormal([512, 256], 0, 1, 'float32', 1);
const b = tf.randomNormal([256, 256], 0, 1, 'float32', 2);
const rows: [number, number][] = [];
for (let i = 0; i < 800; i++) {
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  const t = tf.matMul(a, b); await t.data(); t.dispose();
  rows.push([(performance.now() - t0) * 1000, process.resourceUsage().minorPageFault - f0]);
}
const tail = rows.slice(200);
const bucket = (lo: number, hi: number) => tail.filter(([, f]) => f >= lo && f < hi);
for (const [lo, hi] of [[0, 5], [5, 64], [64, 1000]] as const) {
  const s = bucket(lo, hi).map(([t]) => t).sort((x, y) => x - y);
  if (s.length) console.log(`faults in [${lo},${hi}): n=${s.length} median=${s[Math.floor(s.length / 2)]!.toFixed(0)} p25=${s[Math.floor(s.length / 4)]!.toFixed(0)} p75=${s[Math.floor(3 * s.length / 4)]!.toFixed(0)}`);
}
console.log(tail.slice(0, 60).map(([t, f]) => `${t.toFixed(0)}/${f}`).join(' '));
