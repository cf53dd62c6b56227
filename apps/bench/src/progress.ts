import { duration, si } from './format.js';
import type { SpeedRow } from './model.js';
import type { ProgressSink } from './speed.js';

/** Where progress goes: a writable stream-like object (process.stderr in the CLI, a buffer in tests). */
export interface ProgressStream {
  readonly write: (chunk: string) => unknown;
  readonly isTTY?: boolean;
}

const clock = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** One-line outcome of a finished cell. */
const describeRow = (row: SpeedRow): string => {
  if (row.status !== 'ok') return `${row.status}: ${row.reason ?? ''}`;
  const leak =
    row.leakedTensors !== undefined && row.leakedTensors !== 0
      ? `  LEAK ${row.leakedTensors} tensors`
      : '';
  const rate =
    row.op === 'gemm'
      ? `${(row.gflops ?? 0).toFixed(2)} GFLOP/s`
      : `${si(row.samplesPerSecond)} samples/s`;
  return `${duration(row.seconds?.median)} (IQR ${duration(row.seconds?.iqr)}), ${rate}${leak}`;
};

/**
 * The live progress display of the speed matrix, on stderr. On a terminal it
 * redraws one status line (`[ 12/117] 0m41s  cpu · autoregressive/maf · train`)
 * and prints failures and leaks above it; otherwise it writes one plain line
 * per finished cell, which reads well in CI logs.
 *
 * @example
 * ```ts
 * const sink = terminalProgress(process.stderr);
 * await runMatrix(backends, cells, { ...options, progress: sink });
 * ```
 */
export const terminalProgress = (stream: ProgressStream, enabled = true): ProgressSink => {
  let total = 0;
  let t0 = 0;
  const tty = stream.isTTY === true;
  const prefix = (i: number) =>
    `[${String(i + 1).padStart(String(total).length)}/${total}] ${clock(performance.now() - t0)}`;
  let current = '';
  return {
    start: (n) => {
      total = n;
      t0 = performance.now();
    },
    begin: (i, label) => {
      current = label;
      if (enabled && tty) stream.write(`\r\x1b[2K${prefix(i)}  ${label} …`);
    },
    done: (i, row) => {
      if (!enabled) return;
      const line = `${prefix(i)}  ${current}: ${describeRow(row)}`;
      if (tty) {
        if (row.status !== 'ok' || (row.leakedTensors ?? 0) !== 0)
          stream.write(`\r\x1b[2K${line}\n`);
      } else stream.write(`${line}\n`);
    },
    finish: () => {
      if (enabled && tty) stream.write('\r\x1b[2K');
    },
  };
};

/**
 * A plain status printer for the phases of quality and browser modes
 * (`[quality] moons · autoregressive/maf: epoch 12, val 1.80`).
 *
 * @example
 * ```ts
 * const status = statusLine(process.stderr);
 * status.update('[quality] moons · maf: epoch 3');
 * status.update('[quality] moons · maf: done', true);
 * ```
 */
export const statusLine = (stream: ProgressStream, enabled = true) => {
  const tty = stream.isTTY === true;
  return {
    /** Transient status (redrawn on a terminal, printed only when `final` elsewhere). */
    update: (text: string, final = false): void => {
      if (!enabled) return;
      if (tty) stream.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
      else if (final) stream.write(`${text}\n`);
    },
  };
};
