import { BijectiveError } from '../errors.js';
import type { Params } from '../params.js';

/**
 * Training stopped because the caller's `AbortSignal` fired (a Stop button, a
 * timeout: `AbortSignal.timeout(ms)`, a closing page). It carries the best
 * parameters so far — the best-validation ones when there is a validation
 * set, else the latest — owned by the caller (dispose them when done), and
 * the number of Adam steps taken.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * stopButton.onclick = () => controller.abort();
 * const r = await fit(def, rows, { signal: controller.signal });
 * if (E.isLeft(r) && r.left instanceof AbortedError) keep(r.left.params);
 * ```
 */
export class AbortedError<P extends Params = Params> extends BijectiveError {
  constructor(
    message: string,
    readonly steps: number,
    readonly params: P,
  ) {
    super('AbortedError', message);
  }
}
