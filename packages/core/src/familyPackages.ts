import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Family, isFamily } from './testing/family.js';

/** A package that declares a flow family (`"bijective": { "family": name }` in its package.json). */
export interface FamilyPackage {
  /** The family's name, e.g. `coupling`. */
  readonly family: string;
  /** The package's name, e.g. `@bijective/coupling`; its `./testing` entry exports `family`. */
  readonly packageName: string;
}

const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === 'object' && x !== null;

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/**
 * The flow families a package can see: every dependency (and dev dependency)
 * listed in the `package.json` at `packageJson` whose own `package.json`
 * declares `"bijective": { "family": "<name>" }`, in the order listed there.
 * This is the one discovery rule: the conformance suites and the benchmark
 * call it on their own `package.json`, so a new family package is picked up
 * by depending on it, with no list in their code. Import each one's
 * `${packageName}/testing` entry (from the caller, so it resolves there) for
 * its `family`. A dependency that cannot be resolved is skipped.
 *
 * @example
 * ```ts
 * const found = familyPackages(new URL('../package.json', import.meta.url));
 * // [{ family: 'coupling', packageName: '@bijective/coupling' }, …]
 * ```
 */
export const familyPackages = (packageJson: string | URL): FamilyPackage[] => {
  const own = readJson(packageJson instanceof URL ? fileURLToPath(packageJson) : packageJson);
  if (!isRecord(own)) return [];
  const require = createRequire(packageJson);
  const names = [own['dependencies'], own['devDependencies']].flatMap((d) =>
    isRecord(d) ? Object.keys(d) : [],
  );
  return [...new Set(names)].flatMap((packageName) => {
    let pkg: unknown;
    try {
      pkg = readJson(require.resolve(`${packageName}/package.json`));
    } catch {
      return [];
    }
    const meta = isRecord(pkg) ? pkg['bijective'] : undefined;
    const family = isRecord(meta) ? meta['family'] : undefined;
    return typeof family === 'string' ? [{ family, packageName }] : [];
  });
};

/**
 * The {@link Family} of every package {@link familyPackages} finds, imported
 * from its `./testing` entry with `load` (pass `(s) => import(s)` from the
 * caller, so names resolve from the caller's package). A package whose
 * testing entry cannot be loaded or exports no `family` is an error: a
 * declared family that the conformance suites would silently skip is a bug.
 *
 * @example
 * ```ts
 * const families = await loadFamilies(new URL('../package.json', import.meta.url), (s) => import(s));
 * conformanceCases({ core: registry, ...registriesOf(families) });
 * ```
 */
export const loadFamilies = async (
  packageJson: string | URL,
  load: (specifier: string) => Promise<unknown>,
): Promise<Family[]> => {
  const out: Family[] = [];
  for (const { family, packageName } of familyPackages(packageJson)) {
    const module = await load(`${packageName}/testing`);
    const declared = isRecord(module) ? module['family'] : undefined;
    if (!isFamily(declared) || declared.name !== family)
      throw new Error(
        `${packageName}/testing must export \`family\` (a Family named '${family}', as its package.json declares)`,
      );
    out.push(declared);
  }
  return out;
};
