import { defineConfig } from 'vite';

// A static site with relative paths; the worker is bundled as an ES module.
export default defineConfig({ base: './', worker: { format: 'es' }, build: { target: 'es2022' } });
