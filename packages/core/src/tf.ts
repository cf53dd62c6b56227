/**
 * The one place where the core pulls in TensorFlow.js.
 *
 * `@tensorflow/tfjs-core` alone registers no gradients when loaded by Node
 * (its CommonJS bundle leaves them out), so we also load `@tensorflow/tfjs`,
 * whose bundle registers every gradient into tfjs-core's global registry,
 * and `@tensorflow/tfjs-backend-cpu`, the reference backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs';

// The cpu backend's first write prints advice to install tfjs-node; bijective ships
// its own native backend, so that advice would mislead. PROD silences tfjs warnings only.
tf.env().set('PROD', true);

export { tf };
