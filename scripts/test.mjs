#!/usr/bin/env node
// Sums the vitest JSON reports of every workspace package and prints one plain
// closing line, `N passed, N failed, N skipped`, then exits non-zero on failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Runs every package's tests through turbo (builds of dependencies first), then
// sums the per-package vitest JSON reports into one closing line.
const roots = ['packages', 'apps', 'tests'];
const reports = () =>
  roots.filter(existsSync).flatMap((root) =>
    readdirSync(root)
      .sort()
      .map((name) => join(root, name, 'test-results.json')),
  );
for (const f of reports()) rmSync(f, { force: true });
const turbo = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--concurrency=2', '--continue', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const root of roots) {
  if (!existsSync(root)) continue;
  for (const name of readdirSync(root).sort()) {
    const file = join(root, name, 'test-results.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    rows.push(
      `${join(root, name).padEnd(28)} ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`,
    );
  }
}
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (turbo.status !== 0)
  console.log(`turbo exited with ${turbo.status}: a build or test task failed`);
process.exit(turbo.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
