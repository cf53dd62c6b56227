/**
 * Node (and this repo's tests): tfjs's cpu backend is registered as soon as
 * core loads, so code that never picks a backend still runs. See
 * `defaultBackend.ts` for browsers and bundlers.
 */
import '@tensorflow/tfjs-backend-cpu';
