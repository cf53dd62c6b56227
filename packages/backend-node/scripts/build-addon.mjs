#!/usr/bin/env node
// Builds the native addon (build/Release/bijective_native.node) from source
// with node-gyp. Runs as the package's `install` script, so it never fails:
// without a compiler it explains what to install and exits 0, and
// `nativeBackend().ready()` later reports the same fix.
//
//   node scripts/build-addon.mjs              build (rebuild) now
//   node scripts/build-addon.mjs --if-missing build only if the addon is missing or older than its sources
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(pkgDir, 'build', 'Release', 'bijective_native.node');
const tag = '[@bijective/backend-node]';

const fix =
  'The native backend is optional; everything else works without it. To enable it install a C++17 compiler, ' +
  'make and python3 (Debian/Ubuntu: apt-get install g++ make python3; macOS: xcode-select --install), then run ' +
  '`npm rebuild @bijective/backend-node` in your project (pnpm: allow the build with `pnpm approve-builds`, ' +
  'then `pnpm rebuild @bijective/backend-node`; in the bijective repo: `pnpm -F @bijective/backend-node build:addon`).';

const onPath = (cmd) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .some(
      (dir) => dir !== '' && (existsSync(join(dir, cmd)) || existsSync(join(dir, `${cmd}.exe`))),
    );

const skip = (why) => {
  console.warn(`${tag} native addon not built: ${why}\n${tag} ${fix}`);
  process.exit(0);
};

const sources = [
  join(pkgDir, 'binding.gyp'),
  ...readdirSync(join(pkgDir, 'native')).map((f) => join(pkgDir, 'native', f)),
];
const upToDate = () =>
  existsSync(addon) && sources.every((f) => statSync(f).mtimeMs <= statSync(addon).mtimeMs);

if (process.argv.includes('--if-missing') && upToDate()) {
  console.log(`${tag} native addon up to date: ${addon}`);
  process.exit(0);
}
if (process.env.BIJECTIVE_SKIP_NATIVE_BUILD === '1') skip('BIJECTIVE_SKIP_NATIVE_BUILD=1 is set');

if (process.platform !== 'win32') {
  const cxx = process.env.CXX ?? '';
  const compilers = cxx !== '' ? [cxx.split(' ')[0]] : ['c++', 'g++', 'clang++'];
  if (!compilers.some((c) => (c.includes('/') ? existsSync(c) : onPath(c))))
    skip(`no C++ compiler found (looked for ${compilers.join(', ')})`);
  if (!onPath('make')) skip('`make` was not found');
  if (!onPath('python3') && !onPath('python')) skip('python3 (needed by node-gyp) was not found');
}

let nodeGyp;
try {
  nodeGyp = createRequire(join(pkgDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
} catch {
  skip('the node-gyp package could not be resolved');
}

// Use the headers that ship with this Node (e.g. /usr/include/node) so that
// node-gyp needs no download; otherwise let node-gyp fetch them as usual.
const args = [nodeGyp, 'rebuild', '--jobs=max'];
const prefix = resolve(dirname(process.execPath), '..');
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

console.log(`${tag} building the native addon: node ${args.slice(1).join(' ')}`);
const result = spawnSync(process.execPath, args, { cwd: pkgDir, stdio: 'inherit' });
if (result.error !== undefined) skip(`node-gyp could not start: ${result.error.message}`);
if (result.status !== 0 || !existsSync(addon)) skip(`node-gyp exited with status ${result.status}`);
console.log(`${tag} native addon built: ${addon}`);
