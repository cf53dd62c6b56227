/** Number and error formatting shared by the terminal display, the runs and the report writers. */

/** A throughput with an SI suffix: `1234` → `1.23k`, `5.6e6` → `5.60M`. */
export const si = (x: number | undefined): string => {
  if (x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(x / 1e3).toPrecision(3)}k`;
  return a >= 100 ? x.toFixed(0) : x.toPrecision(3);
};

/** Seconds as µs, ms or s with three significant digits. */
export const duration = (s: number | undefined): string => {
  if (s === undefined || !Number.isFinite(s)) return '–';
  // Compare after rounding to three digits, so 0.99999 ms reads 1.00 ms, not 1.00e+3 µs.
  const r = Number(s.toPrecision(3));
  if (r < 1e-3) return `${(s * 1e6).toPrecision(3)} µs`;
  if (r < 1) return `${(s * 1e3).toPrecision(3)} ms`;
  return `${s.toPrecision(3)} s`;
};

/** What went wrong, in one line: an error's first message line, or anything thrown as text. */
export const errorText = (e: unknown): string =>
  e instanceof Error ? e.message.split('\n')[0]! : String(e);
