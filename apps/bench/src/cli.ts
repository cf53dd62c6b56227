#!/usr/bin/env node
/** `bijective-bench`: {@link main} on `process.argv`; exit 0 ok, 1 a run failed, 2 bad usage. */
import { main } from './run.js';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (r) => {
    process.exitCode = r.code;
  },
  (e: unknown) => {
    process.stderr.write(
      `bijective-bench: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  },
);
