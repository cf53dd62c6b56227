import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type SafeTensor,
  encodeSafetensors,
  parseSafetensors,
  readSafetensorsBlob,
  safetensorsBlob,
} from '../src/index.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../src/node.js';
import { fixturePath } from './fixtures.js';

const enc = new TextEncoder();

/** A file from a raw header object (or text) and data bytes, with the length prefix `n` (default: the header's). */
const file = (header: unknown, data: Uint8Array = new Uint8Array(0), n?: number): Uint8Array => {
  const text = enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  const dv = new DataView(out.buffer);
  const len = n ?? text.length;
  dv.setUint32(0, len % 2 ** 32, true);
  dv.setUint32(4, Math.floor(len / 2 ** 32), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
};

const leftOf = (bytes: Uint8Array) => {
  const r = parseSafetensors(bytes);
  if (E.isRight(r)) throw new Error('expected a Left');
  return r.left;
};

const tensorArb: fc.Arbitrary<SafeTensor> = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    fc.integer({ min: 0, max: 10 }),
  )
  .chain(([shape, kind]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ints = (min: number, max: number) =>
      fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n });
    const big = (min: bigint, max: bigint) =>
      fc.array(fc.bigInt({ min, max }), { minLength: n, maxLength: n });
    switch (kind) {
      case 0:
        return fc
          .array(fc.double(), { minLength: n, maxLength: n })
          .map((v) => ({ dtype: 'F64', shape, data: Float64Array.from(v) }) as SafeTensor);
      case 1:
        return fc
          .array(fc.float(), { minLength: n, maxLength: n })
          .map((v) => ({ dtype: 'F32', shape, data: Float32Array.from(v) }) as SafeTensor);
      case 2:
        return big(-(2n ** 63n), 2n ** 63n - 1n).map(
          (v) => ({ dtype: 'I64', shape, data: BigInt64Array.from(v) }) as SafeTensor,
        );
      case 3:
        return ints(-(2 ** 31), 2 ** 31 - 1).map(
          (v) => ({ dtype: 'I32', shape, data: Int32Array.from(v) }) as SafeTensor,
        );
      case 4:
        return ints(-32768, 32767).map(
          (v) => ({ dtype: 'I16', shape, data: Int16Array.from(v) }) as SafeTensor,
        );
      case 5:
        return ints(-128, 127).map(
          (v) => ({ dtype: 'I8', shape, data: Int8Array.from(v) }) as SafeTensor,
        );
      case 6:
        return big(0n, 2n ** 64n - 1n).map(
          (v) => ({ dtype: 'U64', shape, data: BigUint64Array.from(v) }) as SafeTensor,
        );
      case 7:
        return ints(0, 2 ** 32 - 1).map(
          (v) => ({ dtype: 'U32', shape, data: Uint32Array.from(v) }) as SafeTensor,
        );
      case 8:
        return ints(0, 65535).map(
          (v) => ({ dtype: 'U16', shape, data: Uint16Array.from(v) }) as SafeTensor,
        );
      case 9:
        return ints(0, 255).map(
          (v) => ({ dtype: 'U8', shape, data: Uint8Array.from(v) }) as SafeTensor,
        );
      default:
        return ints(0, 1).map(
          (v) => ({ dtype: 'BOOL', shape, data: Uint8Array.from(v) }) as SafeTensor,
        );
    }
  });

const fileArb = fc.record({
  tensors: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__'),
    tensorArb,
    { maxKeys: 6 },
  ),
  metadata: fc.option(
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    { nil: undefined },
  ),
});

const toMap = (o: Record<string, SafeTensor>) =>
  new Map(Object.keys(o).map((k) => [k, o[k]!] as const));

describe('safetensors: round trips', () => {
  it('encode → parse gives back every dtype, shape, value and metadata entry (fast-check)', () => {
    fc.assert(
      fc.property(fileArb, ({ tensors, metadata }) => {
        const bytes = encodeSafetensors(
          toMap(tensors),
          metadata === undefined ? undefined : new Map(Object.entries(metadata)),
        );
        if (E.isLeft(bytes)) throw bytes.left;
        expect(new DataView(bytes.right.buffer).getUint32(0, true) % 8).toBe(0); // header padded to 8 bytes
        const back = parseSafetensors(bytes.right);
        if (E.isLeft(back)) throw back.left;
        expect([...back.right.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
        for (const [k, t] of Object.entries(tensors)) {
          const u = back.right.tensors.get(k)!;
          expect(u.dtype).toBe(t.dtype);
          expect(u.shape).toEqual(t.shape);
          expect(u.data).toEqual(t.data);
        }
        expect(Object.fromEntries(back.right.metadata)).toEqual(metadata ?? {});
      }),
      { numRuns: 200 },
    );
  });

  it('re-encoding a fixture written by the Python script reproduces its bytes exactly (the format safetensors.torch writes)', () => {
    const original = new Uint8Array(readFileSync(fixturePath('maf-2.safetensors')));
    const parsed = parseSafetensors(original);
    if (E.isLeft(parsed)) throw parsed.left;
    expect(parsed.right.tensors.get('transform.transforms.1.order')).toEqual({
      dtype: 'I64',
      shape: [2],
      data: BigInt64Array.from([1n, 0n]),
    });
    const again = encodeSafetensors(parsed.right.tensors, parsed.right.metadata);
    if (E.isLeft(again)) throw again.left;
    expect(Buffer.from(again.right).equals(Buffer.from(original))).toBe(true);
  });

  const dir = mkdtempSync(join(tmpdir(), 'interop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('node: writeSafetensorsFile → readSafetensorsFile; a missing file or a directory is a Left', async () => {
    const t = new Map<string, SafeTensor>([
      ['w', { dtype: 'F32', shape: [2, 1], data: Float32Array.from([1.5, -2]) }],
    ]);
    const w = await writeSafetensorsFile(join(dir, 'a.safetensors'), t, { format: 'pt' })();
    expect(E.isRight(w)).toBe(true);
    const r = await readSafetensorsFile(join(dir, 'a.safetensors'))();
    if (E.isLeft(r)) throw r.left;
    expect(r.right.tensors.get('w')).toEqual(t.get('w'));
    expect(r.right.metadata.get('format')).toBe('pt');
    const missing = await readSafetensorsFile(join(dir, 'nope.safetensors'))();
    expect(E.isLeft(missing) && missing.left.kind).toBe('SerializationError');
    const intoDir = await writeSafetensorsFile(dir, t)();
    expect(E.isLeft(intoDir) && intoDir.left.kind).toBe('SerializationError');
  });

  it('browser entry: safetensorsBlob → readSafetensorsBlob; a truncated Blob is a Left', async () => {
    const bytes = encodeSafetensors(
      new Map([
        ['m', { dtype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) } as SafeTensor],
      ]),
    );
    if (E.isLeft(bytes)) throw bytes.left;
    const r = await readSafetensorsBlob(safetensorsBlob(bytes.right))();
    if (E.isLeft(r)) throw r.left;
    expect(Array.from(r.right.tensors.get('m')!.data as Uint8Array)).toEqual([1, 0, 1]);
    const cut = await readSafetensorsBlob(
      new Blob([bytes.right.slice(0, bytes.right.length - 1)]),
    )();
    expect(E.isLeft(cut)).toBe(true);
    const fromBuffer = parseSafetensors(Uint8Array.from(bytes.right).buffer);
    expect(E.isRight(fromBuffer)).toBe(true);
    writeFileSync(join(dir, 'b.safetensors'), bytes.right); // and a Node Buffer (whose slice() shares memory)
    expect(E.isRight(parseSafetensors(readFileSync(join(dir, 'b.safetensors'))))).toBe(true);
  });
});

describe('safetensors: hostile input gives a typed Left, never a throw', () => {
  const f32 = (n: number) => new Uint8Array(4 * n);
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it.each([
    ['fewer than 8 bytes', new Uint8Array(5), 'file'],
    ['a header length beyond the file', file(ok, f32(2), 10_000), 'header length'],
    ['a header length of 2^63', file(ok, f32(2), 2 ** 63), 'header length'],
    ['invalid UTF-8', file('{"a":1}').map((b, i) => (i === 10 ? 0xff : b)), 'header'],
    ['invalid JSON', file('{"a": ', f32(0)), 'header'],
    ['a JSON array', file('[1, 2]'), 'header'],
    [
      'an unknown dtype (F16)',
      file({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
      'header["a"].dtype',
    ],
    [
      'an extra field',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8], x: 1 } }, f32(2)),
      'header["a"]',
    ],
    [
      'a negative dimension',
      file({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(2)),
      'header["a"].shape',
    ],
    [
      'a fractional offset',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8.5] } }, f32(2)),
      'header["a"].data_offsets',
    ],
    [
      'an end past the data',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)),
      'header["a"].data_offsets',
    ],
    [
      'begin > end',
      file({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, f32(2)),
      'header["a"].data_offsets',
    ],
    [
      'a shape that disagrees with the byte range',
      file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)),
      'header["a"].data_offsets',
    ],
    [
      'a shape whose size overflows',
      file({ a: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, f32(2)),
      'header["a"].data_offsets',
    ],
    [
      'overlapping ranges',
      file(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        f32(3),
      ),
      'header["b"].data_offsets',
    ],
    [
      'a gap before the first tensor',
      file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)),
      'header["a"].data_offsets',
    ],
    ['trailing bytes after the last tensor', file(ok, f32(3)), 'file'],
    [
      'non-string metadata',
      file({ ...ok, __metadata__: { v: 1 } }, f32(2)),
      'header.__metadata__["v"]',
    ],
    [
      'a BOOL byte other than 0/1',
      file({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, Uint8Array.from([1, 2])),
      'm',
    ],
    [
      'a rank above the limit',
      file(
        { a: { dtype: 'U8', shape: new Array(17).fill(1), data_offsets: [0, 1] } },
        new Uint8Array(1),
      ),
      'header["a"].shape',
    ],
  ])('%s', (_, bytes, argument) => {
    const e = leftOf(bytes);
    expect(e.kind).toBe('SerializationError');
    expect(e.argument).toBe(argument);
  });

  it('limits: maxTensors and maxHeaderBytes', () => {
    const two = file(
      {
        a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
        b: { dtype: 'U8', shape: [1], data_offsets: [1, 2] },
      },
      new Uint8Array(2),
    );
    expect(E.isRight(parseSafetensors(two))).toBe(true);
    expect(E.isLeft(parseSafetensors(two, { maxTensors: 1 }))).toBe(true);
    expect(E.isLeft(parseSafetensors(two, { maxHeaderBytes: 16 }))).toBe(true);
  });

  it('names that are Object.prototype properties stay plain tensor names (no prototype pollution)', () => {
    // (An object literal's __proto__ is not an own key, so the header text is written by hand.)
    const text =
      '{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"constructor":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    const r = parseSafetensors(file(text, Uint8Array.from([7, 9])));
    if (E.isLeft(r)) throw r.left;
    expect([...r.right.tensors.keys()].sort()).toEqual(['__proto__', 'constructor']);
    expect(Array.from(r.right.tensors.get('__proto__')!.data as Uint8Array)).toEqual([7]);
    expect(({} as Record<string, unknown>)['dtype']).toBeUndefined();
    // A header without tensors named toString / hasOwnProperty does not find inherited ones.
    const none = parseSafetensors(file({}, new Uint8Array(0)));
    if (E.isLeft(none)) throw none.left;
    expect(none.right.tensors.get('toString')).toBeUndefined();
  });

  it('encode refuses bad tensors and reads only own properties of a record', () => {
    const bad: [string, unknown][] = [
      ['__metadata__', { dtype: 'U8', shape: [1], data: new Uint8Array(1) }],
      ['a', { dtype: 'F32', shape: [2], data: new Float64Array(2) }],
      ['a', { dtype: 'F32', shape: [3], data: new Float32Array(2) }],
      ['a', { dtype: 'F16', shape: [1], data: new Uint16Array(1) }],
      ['a', { dtype: 'BOOL', shape: [1], data: Uint8Array.from([3]) }],
    ];
    for (const [k, t] of bad)
      expect(E.isLeft(encodeSafetensors(new Map([[k, t as SafeTensor]])))).toBe(true);
    const proto = { inherited: { dtype: 'U8', shape: [1], data: new Uint8Array(1) } as SafeTensor };
    const rec = Object.create(proto) as Record<string, SafeTensor>;
    rec['own'] = { dtype: 'U8', shape: [1], data: Uint8Array.from([4]) };
    const bytes = encodeSafetensors(rec);
    if (E.isLeft(bytes)) throw bytes.left;
    const back = parseSafetensors(bytes.right);
    expect(E.isRight(back) && [...back.right.tensors.keys()]).toEqual(['own']);
  });

  it('fuzz: arbitrary bytes and mutated valid files never throw; a Right is always self-consistent (fast-check)', () => {
    const valid = encodeSafetensors(
      new Map<string, SafeTensor>([
        ['w', { dtype: 'F32', shape: [2, 3], data: new Float32Array(6).fill(0.5) }],
        ['o', { dtype: 'I64', shape: [3], data: BigInt64Array.from([2n, 0n, 1n]) }],
        ['m', { dtype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) }],
      ]),
      new Map([['format', 'pt']]),
    );
    if (E.isLeft(valid)) throw valid.left;
    const base = valid.right;
    const consistent = (bytes: Uint8Array) => {
      const r = parseSafetensors(bytes);
      if (E.isLeft(r)) {
        expect(r.left.kind).toBe('SerializationError');
        return;
      }
      for (const t of r.right.tensors.values())
        expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => consistent(b)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat(base.length),
        (edits, cut) => {
          const b = base.slice(0, Math.max(cut, 1) === base.length ? base.length : cut);
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          consistent(b);
        },
      ),
      { numRuns: 2000 },
    );
    // Mutations inside the JSON text: swapped digits, quotes, braces.
    const headerLen = new DataView(base.buffer).getUint32(0, true);
    fc.assert(
      fc.property(
        fc.nat(headerLen - 1),
        fc.constantFrom(...enc.encode('0123456789{}[]",:-.e ')),
        (i, v) => {
          const b = base.slice();
          b[8 + i] = v;
          consistent(b);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
