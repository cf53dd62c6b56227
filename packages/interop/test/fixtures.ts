import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { type SafetensorsFile, type ZukoFlowName, parseSafetensors } from '../src/index.js';

/** The committed zuko fixtures (scripts/make-zuko-fixtures.py). */
export const CASES = [
  'maf-2',
  'realnvp-2',
  'nsf-2',
  'maf-30-ctx3',
  'realnvp-30-ctx3',
  'nsf-30',
  'maf-5-randperm',
  'realnvp-5-randmask',
] as const;

export const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export const readFixture = (name: string): SafetensorsFile => {
  const r = parseSafetensors(readFileSync(fixturePath(name)));
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

/** A data tensor of a fixture as rows. */
export const rows = (file: SafetensorsFile, key: string): number[][] => {
  const t = file.tensors.get(key);
  if (t === undefined || t.dtype !== 'F32' || t.shape.length !== 2)
    throw new Error(`no [n, d] F32 ${key}`);
  const [n, d] = t.shape as [number, number];
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d)));
};

export const values = (file: SafetensorsFile, key: string): Float32Array => {
  const t = file.tensors.get(key);
  if (t === undefined || t.dtype !== 'F32') throw new Error(`no F32 ${key}`);
  return t.data;
};

export interface Case {
  readonly name: string;
  readonly flow: ZukoFlowName;
  readonly stateDict: SafetensorsFile;
  readonly data: SafetensorsFile;
}

export const loadCase = (name: string): Case => {
  const data = readFixture(`${name}.data.safetensors`);
  const flow = data.metadata.get('flow') as ZukoFlowName;
  return { name, flow, stateDict: readFixture(`${name}.safetensors`), data };
};
