/**
 * The one place where the core pulls in TensorFlow.js: `@tensorflow/tfjs-core`
 * (ops, engine), its gradient registrations, and in Node the reference cpu
 * backend (`@tensorflow/tfjs-backend-cpu`), active until `useBackend` picks
 * another.
 *
 * `#register-gradients` and `#default-backend` resolve per runtime (see
 * `imports` in `package.json`): bundlers and browsers get tfjs-core's own ES
 * module registrations and no eager backend (the app picks one with
 * `useBackend`); Node gets the same registrations bundled for it at build time
 * and the cpu backend. These modules are the package's only side effects,
 * declared in `sideEffects` so that a production bundle keeps them (without
 * them training fails with "gradient function not found").
 */
import * as tf from '@tensorflow/tfjs-core';
import '#default-backend';
import '#register-gradients';

// The cpu backend's first write prints advice to install tfjs-node; bijective ships
// its own native backend, so that advice would mislead. PROD silences tfjs warnings only.
tf.env().set('PROD', true);

export { tf };
