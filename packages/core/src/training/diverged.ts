import { BijectiveError } from '../errors.js';
import type { Params } from '../params.js';

/**
 * Training stopped because the loss or the gradient became non-finite. It
 * carries the last parameters whose loss and gradients were finite (owned by
 * the caller: dispose them when done) and the step it happened at.
 */
export class DivergedError<P extends Params = Params> extends BijectiveError {
  constructor(
    message: string,
    readonly step: number,
    readonly lastGoodParams: P,
  ) {
    super('DivergedError', message, 'loss', 'a finite loss and gradient', 'a non-finite value');
  }
}
