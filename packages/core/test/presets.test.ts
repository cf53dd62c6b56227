import * as E from 'fp-ts/lib/Either.js';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JsonObject, disposeParams, encodeFlow, restoreFlow } from '../src/index.js';
import {
  arrayOf,
  boolean,
  field,
  integerAtLeast,
  oneOf,
  optional,
  orElse,
  positive,
  preset,
} from '../src/presets/index.js';
import { familyPackages, loadFamilies } from '../src/node.js';
import { build } from './serializationFixtures.js';

const left = <A>(r: E.Either<Error, A>): string => {
  if (E.isRight(r)) throw new Error('expected a Left');
  return r.left.message;
};

// A decoder as a family writes one: every field typed, read into the options' own type.
const decodeDemo = (config: JsonObject) =>
  sequenceS(E.Apply)({
    dim: field(config, 'dim', integerAtLeast(1)),
    bins: field(config, 'bins', integerAtLeast(2)),
    bound: field(config, 'bound', optional(positive)),
  });
const demo = preset(decodeDemo, (o) =>
  build({ dim: o.dim, bins: o.bins, ...(o.bound === undefined ? {} : { bound: o.bound }) }),
);

describe('the JSON decoders', () => {
  it('name the offending field and value', () => {
    const hidden = arrayOf(integerAtLeast(1));
    expect(hidden([64, 64], 'options.hidden')).toEqual(E.right([64, 64]));
    expect(left(hidden([64, 0], 'options.hidden'))).toBe(
      'options.hidden[1]: expected an integer ≥ 1, got 0',
    );
    expect(left(hidden('wide', 'options.hidden'))).toBe(
      "options.hidden: expected an array, got 'wide'",
    );
    expect(left(oneOf('a', 'b')('c', 'x'))).toBe("x: expected 'a' | 'b', got 'c'");
    expect(left(integerAtLeast(0)(1.5, 'n'))).toBe('n: expected an integer ≥ 0, got 1.5');
    expect(left(positive(Number.NaN, 'b'))).toBe('b: expected a positive finite number, got null');
  });

  it('optional, orElse and field', () => {
    const mask = optional(orElse(oneOf('alternating'), arrayOf(arrayOf(boolean))));
    expect(mask(undefined, 'm')).toEqual(E.right(undefined));
    expect(mask([[true, false]], 'm')).toEqual(E.right([[true, false]]));
    expect(left(mask([[1]], 'm'))).toBe('m[0][0]: expected a boolean, got 1');
    // Own properties only: an inherited name is absent, not read.
    const config: JsonObject = JSON.parse('{"dim": 2}');
    expect(field(config, 'toString', optional(positive))).toEqual(E.right(undefined));
    expect(field(config, 'dim', integerAtLeast(1))).toEqual(E.right(2));
  });
});

describe('preset(decode, build)', () => {
  it('builds from a valid config', () => {
    const r = demo({ dim: 2, bins: 4 });
    expect(E.isRight(r) && r.right.name).toBe('demo');
  });

  it('a field of the wrong type is a Left naming it, before anything is built', () => {
    expect(left(demo({ dim: '2', bins: 4 }))).toBe("options.dim: expected an integer ≥ 1, got '2'");
    expect(left(demo({ dim: 2 }))).toBe('options.bins: expected an integer ≥ 2, got undefined');
  });

  it("the constructor's own refusal (a thrown BijectiveError) is the Left, not a throw", () => {
    const r = demo({ dim: 5000, bins: 4 });
    expect(E.isLeft(r) && r.left.kind).toBe('ValueError');
    expect(left(r)).toContain('config.dim');
  });

  it('anything else the constructor throws is a ComputationError', () => {
    const broken = preset(decodeDemo, () => {
      throw new TypeError('boom');
    });
    const r = broken({ dim: 2, bins: 4 });
    expect(E.isLeft(r) && r.left.kind).toBe('ComputationError');
  });

  it('restoreFlow takes an Either-returning table and reports a refused config', () => {
    const def = build({ dim: 2, bins: 4 });
    const params = def.init(0);
    const { manifest, weightData } = encodeFlow(def, params);
    const ok = restoreFlow({ demo }, manifest, weightData);
    expect(E.isRight(ok) ? 'restored' : ok.left.message).toBe('restored');
    if (E.isRight(ok)) disposeParams(ok.right.params);
    const bad = restoreFlow({ demo }, { ...manifest, config: { dim: 'x', bins: 4 } }, weightData);
    expect(E.isLeft(bad) && bad.left.message).toContain('options.dim');
    disposeParams(params);
  });
});

describe('family discovery', () => {
  it("finds exactly the dependencies that declare a family, in the package.json's order", () => {
    const root = mkdtempSync(join(tmpdir(), 'bijective-families-'));
    try {
      const pkg = (name: string, extra: object) => {
        const dir = join(root, 'node_modules', ...name.split('/'));
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, ...extra }));
      };
      pkg('@x/beta', { bijective: { family: 'beta' } });
      pkg('@x/alpha', { bijective: { family: 'alpha' } });
      pkg('@x/plain', {});
      pkg('@x/wrong', { bijective: { family: 7 } });
      const manifest = join(root, 'package.json');
      writeFileSync(
        manifest,
        JSON.stringify({
          dependencies: { '@x/beta': '*', '@x/plain': '*', '@x/missing': '*' },
          devDependencies: { '@x/alpha': '*', '@x/wrong': '*' },
        }),
      );
      expect(familyPackages(manifest)).toEqual([
        { family: 'beta', packageName: '@x/beta' },
        { family: 'alpha', packageName: '@x/alpha' },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('loadFamilies refuses a declared family whose testing entry does not export it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bijective-families-'));
    try {
      const dir = join(root, 'node_modules', 'fam');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{"name":"fam","bijective":{"family":"fam"}}');
      writeFileSync(join(root, 'package.json'), '{"dependencies":{"fam":"*"}}');
      const manifest = join(root, 'package.json');
      await expect(loadFamilies(manifest, () => Promise.resolve({}))).rejects.toThrow(
        /fam\/testing must export `family`/,
      );
      const family = { name: 'fam', presets: { demo }, registry: {} };
      await expect(loadFamilies(manifest, () => Promise.resolve({ family }))).resolves.toEqual([
        family,
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
