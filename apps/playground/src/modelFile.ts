/**
 * The playground's model file: one JSON document holding the library's own
 * format (the manifest that `saveFlow` writes as `model.json`, and the bytes
 * of its `weights.bin`, base64-encoded) together with the page settings that
 * produced it (data set, seed, drawn points, training knobs), so loading it
 * restores the whole scene.
 *
 *   { "format": "bijective-playground", "version": 1,
 *     "page": PageSettings, "manifest": FlowManifest, "weights": "<base64>" }
 *
 * The manifest and weights are checked again by core's `parseManifest` and
 * `decodeFlow` (checksum, shapes, finite values) in the worker.
 */
import type { FlowManifest } from '@bijective/core';
import type { SavedModel } from './protocol.js';
import { type PageSettings, fromHash, toHash } from './settings.js';

/** What a saved file holds, once read. */
export interface SavedFile {
  readonly page: PageSettings;
  readonly model: SavedModel;
}

const toBase64 = (buf: ArrayBuffer): string => {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

const fromBase64 = (s: string): ArrayBuffer => {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
};

/** The JSON document to download. */
export const savedFile = (page: PageSettings, model: SavedModel) => ({
  format: 'bijective-playground',
  version: 1,
  page: toHash(page).slice(1),
  drawn: page.drawn,
  manifest: model.manifest,
  weights: toBase64(model.weights),
});

/**
 * Read a saved file; a string says what is wrong with it.
 *
 * @example
 * ```ts
 * const r = parseSavedFile(await file.text());
 * if (typeof r === 'string') console.error(r);
 * ```
 */
export const parseSavedFile = (text: string): SavedFile | string => {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not a JSON file';
  }
  if (typeof v !== 'object' || v === null) return 'not a playground model file';
  const o = v as Record<string, unknown>;
  if (o['format'] !== 'bijective-playground') return 'not a playground model file (format field)';
  if (o['version'] !== 1) return `unsupported version ${String(o['version'])}`;
  if (typeof o['page'] !== 'string' || typeof o['weights'] !== 'string')
    return 'the file is missing its settings or weights';
  let weights: ArrayBuffer;
  try {
    weights = fromBase64(o['weights']);
  } catch {
    return 'the weights are not valid base64';
  }
  const drawn = Array.isArray(o['drawn']) ? o['drawn'].filter((x) => typeof x === 'number') : [];
  const page = { ...fromHash(o['page']), drawn };
  return { page, model: { manifest: o['manifest'] as FlowManifest, weights } };
};
