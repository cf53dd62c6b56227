// temporary probe (not committed): GEMM 512x256@256x256 median/IQR on a backend
import { tf } from '@bijective/core';
import { loadBackends, activate } from './src/backends.js';
import { summarize } from './src/stats.js';
const name = (process.argv[2] ?? 'native') as 'native';
const reps = Number(process.argv[3] ?? 200);
const [b] = await loadBackends([name]);
if (!b?.plugin) throw new Error(b?.status.reason);
await activate(b.plugin);
const a = tf.randomNormal([512, 256]); const c = tf.randomNormal([256, 256]);
const run = async () => { const y = tf.matMul(a, c); await y.data(); y.dispose(); };
for (let i = 0; i < 10; i++) await run();
const secs: number[] = [];
for (let i = 0; i < reps; i++) { const t0 = performance.now(); await run(); secs.push((performance.now() - t0) / 1000); }
const s = summarize(secs);
const g = (t: number) => (2 * 512 * 256 * 256 / t / 1e9).toFixed(1);
console.log(`${name}: median ${g(s.median)} GFLOP/s, q1..q3 ${g(s.q3)}..${g(s.q1)}, best ${g(s.min)}, IQR/median ${(s.iqr / s.median * 100).toFixed(0)}%`);
