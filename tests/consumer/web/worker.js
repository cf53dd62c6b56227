// A user's worker: fit a 2-D flow with the wasm backend, score held-out points, draw samples.
import * as E from 'fp-ts/lib/Either.js';
import { fit, logProb, sample, tf, useBackend } from '@bijective/core';
import { twoMoons } from '@bijective/core/datasets';
import { realNVP } from '@bijective/coupling';
import { wasmBackend } from '@bijective/backend-wasm';
import plain from '@bijective/backend-wasm/wasm/tfjs-backend-wasm.wasm?url';
import simd from '@bijective/backend-wasm/wasm/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@bijective/backend-wasm/wasm/tfjs-backend-wasm-threaded-simd.wasm?url';

const wasmPaths = {
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threaded,
};

const main = async () => {
  const ready = await useBackend(wasmBackend({ wasmPaths }))();
  if (E.isLeft(ready)) throw ready.left;
  const def = realNVP({ dim: 2 });
  const fitted = await fit(def, twoMoons(4000, { seed: 0 }), {
    seed: 0,
    epochs: 30,
    batchSize: 128,
    learningRate: 3e-3,
    onProgress: (p) => postMessage({ type: 'progress', epoch: p.epoch, valLL: -p.valLoss }),
  });
  if (E.isLeft(fitted)) throw fitted.left;
  const lp = logProb(def, fitted.right.params, twoMoons(2000, { seed: 1 }));
  if (E.isLeft(lp)) throw lp.left;
  const xs = sample(def, fitted.right.params, 500, { seed: 2 });
  if (E.isLeft(xs)) throw xs.left;
  postMessage({
    type: 'done',
    backend: tf.getBackend(),
    inWorker: typeof window === 'undefined',
    testLL: tf.mean(lp.right).dataSync()[0],
    samples: xs.right.arraySync(),
  });
};

main().catch((e) => postMessage({ type: 'error', message: String(e && e.stack ? e.stack : e) }));
