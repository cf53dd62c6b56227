import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type FlowDef,
  type JsonObject,
  type Params,
  type TransformDef,
  chain,
  disposeParams,
  flow,
  tf,
} from '../src/index.js';
import { affineTransform } from '../src/entries/transforms.js';
import { manifestChecksum } from '../src/serialization/index.js';
import { loadFlow, saveFlow } from '../src/node.js';
import {
  build,
  builders,
  freshFolder,
  removeFolders,
  resign,
  trainedLike,
  values,
  weightsFile,
} from './serializationFixtures.js';

afterAll(removeFolders);
const def = build({ dim: 3, bins: 4 });

/** Builders that misbehave the way unbounded or buggy presets do, each given the saved config. */
const hostileBuilders = {
  ...builders,
  // Recursion as deep as the config says: a stack overflow for a large `steps`.
  nested: (c: JsonObject): FlowDef<Params> => {
    const nest = (n: number): TransformDef<Params> =>
      n <= 0 ? affineTransform(3) : chain(affineTransform(3), nest(n - 1));
    return flow({ name: 'nested', dim: 3, config: c, transform: nest(Number(c['steps'])) });
  },
  // init allocates two tensors, then fails on an allocation that is too large (as hidden: [1e5, 1e5] does).
  hugeInit: (c: JsonObject): FlowDef<Params> => ({
    ...flow({ name: 'hugeInit', dim: 3, config: c, transform: affineTransform(3) }),
    init: () => {
      const a = tf.zeros([3]);
      const b = tf.zeros([3]);
      const w = Number(c['hidden']);
      return { a, b, w: tf.zeros([w, w, w, w]) };
    },
  }),
  throwsString: (): FlowDef<Params> => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a builder that throws a non-Error, on purpose
    throw 'not an Error';
  },
  returnsNull: (): FlowDef<Params> => null as unknown as FlowDef<Params>,
};

const savedModel = async () => {
  const dir = freshFolder();
  const p = trainedLike(def, 4);
  await saveFlow(dir, def, p)();
  disposeParams(p);
  return dir;
};

/** loadFlow must resolve (never reject) to a Left SerializationError, leaving no tensor behind. */
const expectLeft = async (dir: string, loaders = hostileBuilders) => {
  const before = tf.memory().numTensors;
  const r = await loadFlow(dir, loaders)();
  expect(E.isLeft(r) ? r.left.kind : 'loaded').toBe('SerializationError');
  expect(tf.memory().numTensors).toBe(before);
  return E.isLeft(r) ? r.left.message : '';
};

type Edit = (m: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('loadFlow on hostile files (re-signed, so the checksum passes)', () => {
  const cases: [string, Edit, RegExp][] = [
    ['dim -1', (m) => (m.config.dim = -1), /refused by its builder.*dim/],
    ['dim "two"', (m) => (m.config.dim = 'two'), /refused by its builder.*dim/],
    ['dim 1.5', (m) => (m.config.dim = 1.5), /refused by its builder.*dim/],
    ['bins 1e9', (m) => (m.config.bins = 1e9), /refused by its builder.*bins/],
    ['config null', (m) => (m.config = null), /config is not a JSON object/],
    ['config a list', (m) => (m.config = [3, 4]), /config is not a JSON object/],
    ['config 1e999 (Infinity)', () => undefined, /not a finite number/], // written as text below
    ['name __defineGetter__', (m) => (m.name = '__defineGetter__'), /no builder/],
    ['name constructor', (m) => (m.name = 'constructor'), /no builder/],
    ['name __proto__', (m) => (m.name = '__proto__'), /no builder/],
    ['name hasOwnProperty', (m) => (m.name = 'hasOwnProperty'), /no builder/],
    [
      'steps 1e5 (stack overflow while building)',
      (m) => ((m.name = 'nested'), (m.config = { steps: 1e5 })),
      /refused by its builder/,
    ],
    [
      'hidden 1e5 (init throws after allocating)',
      (m) => ((m.name = 'hugeInit'), (m.config = { hidden: 1e5 })),
      /could not build/,
    ],
    [
      'builder throws a string',
      (m) => (m.name = 'throwsString'),
      /refused by its builder.*not an Error/,
    ],
    [
      'builder returns null',
      (m) => (m.name = 'returnsNull'),
      /refused by its builder|did not return/,
    ],
    [
      'declared shape [1e5, 1e5]',
      (m) => (m.weightsManifest[0].weights[0].shape = [1e5, 1e5]),
      /more parameters than the load limit/,
    ],
    [
      'declared shape [-1]',
      (m) => (m.weightsManifest[0].weights[0].shape = [-1]),
      /non-negative integer/,
    ],
    [
      'declared shape ["3"]',
      (m) => (m.weightsManifest[0].weights[0].shape = ['3']),
      /non-negative integer/,
    ],
    ['rank 100', (m) => (m.weightsManifest[0].weights[0].shape = Array(100).fill(1)), /rank/],
    [
      '100,000 weight entries',
      (m) =>
        (m.weightsManifest[0].weights = Array(1e5).fill({
          name: 'x',
          shape: [],
          dtype: 'float32',
        })),
      /too many/,
    ],
    [
      'weight path outside the folder',
      (m) => (m.weightsManifest[0].paths = ['../flow.json']),
      /not one plain file name/,
    ],
    [
      'absolute weight path',
      (m) => (m.weightsManifest[0].paths = ['/etc/passwd']),
      /not one plain file name/,
    ],
    ['byteLength off by 4', (m) => (m.byteLength += 4), /byteLength/],
    ['format version 3', (m) => (m.formatVersion = 3), /unsupported format version/],
    ['config nested 100,000 deep', () => undefined, /nested deeper/], // written as text below
  ];
  for (const [name, edit, pattern] of cases) {
    it(name, async () => {
      const dir = await savedModel();
      resign(dir, edit);
      if (name.startsWith('config 1e999')) {
        const path = join(dir, 'flow.json');
        writeFileSync(path, readFileSync(path, 'utf8').replace('"bins":4', '"bins":1e999'));
      }
      if (name.startsWith('config nested')) {
        const path = join(dir, 'flow.json');
        writeFileSync(
          path,
          readFileSync(path, 'utf8').replace(
            '"bins":4',
            `"bins":${'['.repeat(1e5)}${']'.repeat(1e5)}`,
          ),
        );
      }
      const t0 = performance.now();
      expect(await expectLeft(dir)).toMatch(pattern);
      expect(performance.now() - t0).toBeLessThan(5_000);
    });
  }
});

describe('loadFlow on a folder that is not what it seems', () => {
  it('a FIFO or a device in place of a file is refused, not waited on', async () => {
    const dir = await savedModel();
    rmSync(weightsFile(dir));
    execFileSync('mkfifo', [weightsFile(dir)]);
    expect(await expectLeft(dir)).toMatch(/not a regular file/);
    const other = await savedModel();
    rmSync(join(other, 'flow.json'));
    symlinkSync('/dev/zero', join(other, 'flow.json'));
    expect(await expectLeft(other)).toMatch(/not a regular file/);
  });
});

describe('loadFlow fuzzed: mutated manifests and weight bytes', () => {
  it('gives a Left or exactly the model the file holds: never a throw, a rejection, a hang or a leak', async () => {
    const dir = await savedModel();
    const manifestText = readFileSync(join(dir, 'flow.json'), 'utf8');
    const weightsPath = weightsFile(dir);
    const weights = readFileSync(weightsPath);
    const original = JSON.parse(manifestText);

    // Every path into the manifest, for edits at any depth.
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, at: (string | number)[]) => {
      paths.push(at);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
      else if (v !== null && typeof v === 'object')
        Object.entries(v).forEach(([k, x]) => walk(x, [...at, k]));
    };
    walk(original, []);
    const hostile = fc.oneof(
      fc.constantFrom<unknown>(
        -1,
        0,
        1,
        2,
        1.5,
        4,
        5,
        1e5,
        1e9,
        2 ** 53,
        1e308,
        'two',
        '',
        '3',
        null,
        true,
        [],
        {},
        [1e5, 1e5],
        [3],
        [1, 3],
        [-1],
      ),
      fc.constantFrom(
        '__proto__',
        'constructor',
        '__defineGetter__',
        'toString',
        'demo',
        '../x',
        'flow.json',
        'weights.bin',
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const manifestEdit = fc.record({
      path: fc.constantFrom(...paths),
      value: hostile,
      remove: fc.boolean(),
    });
    const byteEdit = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        bits: fc.integer({ min: 1, max: 255 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('append' as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      }),
    );
    const mutation = fc.record({
      manifest: fc.array(manifestEdit, { maxLength: 3 }),
      text: fc.array(
        fc.record({
          at: fc.nat(),
          char: fc.constantFrom('', '"', '{', ']', '0', '-', 'e', '9', ' '),
        }),
        { maxLength: 2 },
      ),
      weights: fc.array(byteEdit, { maxLength: 2 }),
      resign: fc.boolean(),
    });

    const setAt = (
      root: Record<string, unknown>,
      path: (string | number)[],
      value: unknown,
      remove: boolean,
    ) => {
      if (path.length === 0) return;
      let node: unknown = root;
      for (const k of path.slice(0, -1))
        node =
          node !== null && typeof node === 'object'
            ? (node as Record<string, unknown>)[k]
            : undefined;
      if (node === null || typeof node !== 'object') return;
      const last = path[path.length - 1]!;
      if (remove) delete (node as Record<string, unknown>)[last];
      else (node as Record<string, unknown>)[last] = structuredClone(value);
    };

    const baseline = tf.memory().numTensors;
    let loaded = 0;
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async (mu) => {
        const m = structuredClone(original);
        mu.manifest.forEach((e) => setAt(m, e.path, e.value, e.remove));
        let bytes = Buffer.from(weights);
        for (const e of mu.weights) {
          if (e.kind === 'flip' && bytes.length > 0) bytes[e.at % bytes.length]! ^= e.bits;
          if (e.kind === 'cut') bytes = bytes.subarray(0, e.at % (bytes.length + 1));
          if (e.kind === 'append') bytes = Buffer.concat([bytes, Buffer.from(e.bytes)]);
        }
        if (mu.resign) {
          try {
            const { checksum: _, ...unsigned } = m;
            m.checksum = manifestChecksum(unsigned, new Uint8Array(bytes));
          } catch {
            // too broken to hash: keeps its checksum
          }
        }
        let text = JSON.stringify(m);
        for (const e of mu.text)
          text =
            text.slice(0, e.at % (text.length + 1)) +
            e.char +
            text.slice((e.at % (text.length + 1)) + 1);
        writeFileSync(join(dir, 'flow.json'), text);
        writeFileSync(weightsPath, bytes);

        const t0 = performance.now();
        const r = await loadFlow(dir, hostileBuilders)(); // a rejection fails the property
        slowest = Math.max(slowest, performance.now() - t0);
        if (E.isLeft(r)) {
          expect(r.left.kind).toBe('SerializationError');
        } else {
          loaded++;
          // Right: exactly what the file holds — its weight bytes, its config; unchanged unless re-signed.
          const got = Buffer.from(new Float32Array(values(r.right.params)).buffer);
          disposeParams(r.right.params);
          expect(got.equals(bytes)).toBe(true);
          expect(JSON.stringify(r.right.def.config)).toBe(JSON.stringify(r.right.manifest.config));
          if (!mu.resign) {
            expect(got.equals(weights)).toBe(true);
            expect(r.right.manifest.config).toEqual(original.config);
          }
        }
        expect(tf.memory().numTensors).toBe(baseline);
      }),
      { numRuns: 2000, seed: 15 },
    );
    expect(slowest).toBeLessThan(5_000);
    expect(loaded).toBeGreaterThan(0); // unmutated or harmless cases do load
    console.log(`fuzz: 2000 cases, ${loaded} loaded, slowest ${slowest.toFixed(0)} ms`);
  });
});
