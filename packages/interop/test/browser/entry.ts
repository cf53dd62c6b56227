// Bundled for Chromium by test/browser.test.ts: only the package root (no Node entry).
import * as E from 'fp-ts/lib/Either.js';
import { type Batch, cpuBackend, tf, useBackend } from '@bijective/core';
import {
  type ZukoFlowName,
  encodeSafetensors,
  fromZuko,
  readSafetensorsBlob,
  safetensorsBlob,
  toZuko,
} from '../../src/index.js';

export interface Payload {
  readonly name: string;
  readonly flow: ZukoFlowName;
  readonly stateDict: string; // base64
  readonly data: string; // base64
}

const bytesOf = (b64: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

export const run = async (cases: readonly Payload[]) => {
  // Browsers load no backend until one is picked.
  orThrow(await useBackend(cpuBackend)());
  const out: {
    name: string;
    maxDiff: number;
    keys: number;
    roundTripKeys: number;
    backend: string;
  }[] = [];
  for (const c of cases) {
    const sd = orThrow(await readSafetensorsBlob(new Blob([bytesOf(c.stateDict)]))());
    const data = orThrow(await readSafetensorsBlob(new Blob([bytesOf(c.data)]))());
    const model = orThrow(fromZuko(sd, { flow: c.flow }));
    const x = data.tensors.get('x')!;
    const want = data.tensors.get('log_prob')!.data as Float32Array;
    const lp = tf.tidy(() =>
      model.def
        .apply(model.params)
        .logProb(tf.tensor2d(x.data as Float32Array, x.shape as [number, number]) as Batch),
    );
    const got = lp.dataSync();
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    const written = orThrow(toZuko(model.def, model.params));
    const blob = safetensorsBlob(orThrow(encodeSafetensors(written.stateDict)));
    const back = orThrow(await readSafetensorsBlob(blob)());
    tf.dispose([lp, model.params as unknown as tf.TensorContainer]);
    out.push({
      name: c.name,
      maxDiff,
      keys: sd.tensors.size,
      roundTripKeys: back.tensors.size,
      backend: tf.getBackend(),
    });
  }
  return out;
};
