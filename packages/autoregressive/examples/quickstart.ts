// Runnable: from packages/autoregressive,
//   node --conditions=@bijective/source --import tsx examples/quickstart.ts
import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, fit, logProb, sample, tf } from '@bijective/core';
import { distill, iaf, maf } from '@bijective/autoregressive';

// Toy data: a banana, x₂ = x₁² / 2 + noise.
const x1 = tf.randomNormal([4096, 1], 0, 1, 'float32', 0);
const x2 = tf.add(tf.div(tf.square(x1), 2), tf.randomNormal([4096, 1], 0, 0.3, 'float32', 1));
const data = tf.concat([x1, x2], 1) as tf.Tensor2D;

// 1. Density estimation with MAF: 5 affine MADE layers, hidden [64, 64], orderings asc/desc.
const teacher = maf({ dim: 2 });
const fitted = await fit(teacher, data, { seed: 0, epochs: 10 });
if (E.isLeft(fitted)) throw fitted.left; // ShapeError | ValueError | DivergedError
const { params, bestValLoss } = fitted.right;
console.log('MAF validation NLL (nats):', bestValLoss?.toFixed(3));

const lp = logProb(teacher, params, [
  [0, 0],
  [1, 0.5],
]); // fast: one pass per layer
if (E.isRight(lp))
  console.log(
    'log p:',
    Array.from(lp.right.dataSync()).map((v) => v.toFixed(3)),
  );

// 2. Distil it into an IAF, whose sampling is one pass per layer (MAF's is `dim` passes).
const student = iaf({ dim: 2 });
const distilled = await distill(teacher, params, student, {
  steps: 200,
  batchSize: 128,
  seed: 0,
  progressEvery: 100,
  onProgress: ({ step, kl }) =>
    console.log(`step ${step}: KL(student ‖ teacher) ≈ ${kl.toFixed(3)}`),
});
if (E.isLeft(distilled)) throw distilled.left;
const xs = sample(student, distilled.right.params, 1000, { seed: 2 }); // fast
if (E.isRight(xs)) console.log('student sample shape:', xs.right.shape);

for (const t of [
  data,
  x1,
  x2,
  ...(E.isRight(lp) ? [lp.right] : []),
  ...(E.isRight(xs) ? [xs.right] : []),
])
  t.dispose();
disposeParams(params);
disposeParams(distilled.right.params);
