import { duration, si } from './format.js';
import type { ProgressSink } from './speed.js';

/** Where progress goes (process.stderr in the CLI, a buffer in tests). */
export interface ProgressStream {
  readonly write: (chunk: string) => unknown;
  readonly isTTY?: boolean;
}

/** A status printer: on a terminal it redraws one line, elsewhere prints `final` lines only. */
export const statusLine = (stream: ProgressStream, enabled = true) => ({
  update: (text: string, final = false): void => {
    if (!enabled) return;
    if (stream.isTTY === true) stream.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
    else if (final) stream.write(`${text}\n`);
  },
});

/** The speed matrix's progress: a redrawn line below kept failures and leaks, or one per cell. */
export const terminalProgress = (stream: ProgressStream, enabled = true): ProgressSink => {
  const status = statusLine(stream, enabled);
  let [total, t0, current] = [0, 0, ''];
  const prefix = (i: number) => {
    const s = Math.floor((performance.now() - t0) / 1000);
    const clock = `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
    return `[${String(i + 1).padStart(String(total).length)}/${total}] ${clock}`;
  };
  return {
    start: (n) => void ([total, t0] = [n, performance.now()]),
    begin: (i, label) => {
      current = label;
      status.update(`${prefix(i)}  ${label} …`);
    },
    done: (i, row) => {
      const leak = (row.leakedTensors ?? 0) !== 0 ? `  LEAK ${row.leakedTensors} tensors` : '';
      const rate =
        row.op === 'gemm'
          ? `${(row.gflops ?? 0).toFixed(2)} GFLOP/s`
          : `${si(row.samplesPerSecond)} samples/s`;
      const outcome =
        row.status === 'ok'
          ? `${duration(row.seconds?.median)} (IQR ${duration(row.seconds?.iqr)}), ${rate}${leak}`
          : `${row.status}: ${row.reason ?? ''}`;
      if (stream.isTTY !== true || row.status !== 'ok' || leak !== '')
        status.update(`${prefix(i)}  ${current}: ${outcome}`, true);
    },
    finish: () => status.update(''),
  };
};
