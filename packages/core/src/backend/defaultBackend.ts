/**
 * Browsers and bundlers: no backend is registered when core loads, so a
 * production bundle carries only the backend the app picks with
 * `useBackend` (the WASM one ships about 25 kB of gzipped JavaScript less
 * than tfjs's cpu backend). `cpuBackend` loads tfjs's cpu backend on demand.
 * Node loads `defaultBackend.node.ts` instead (see `#default-backend` in
 * `package.json`).
 */
export {};
