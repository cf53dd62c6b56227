import { familyPackages } from '@bijective/core/node';
import { type FamilyModule, type FlowCatalog, catalogFromModules, isRecord } from './flows.js';
import { errorText } from './format.js';

/**
 * Import a module by a name held in a variable, so a package that fails to load is a skip, not a crash.
 *
 * @example
 * ```ts
 * const r = await importOptional('@bijective/backend-node');
 * if (!r.ok) console.error(r.reason);
 * ```
 */
export const importOptional = async (
  specifier: string,
): Promise<
  { ok: true; module: Readonly<Record<string, unknown>> } | { ok: false; reason: string }
> => {
  try {
    const mod: unknown = await import(specifier);
    return isRecord(mod)
      ? { ok: true, module: mod }
      : { ok: false, reason: `${specifier} is not a module namespace` };
  } catch (e) {
    return { ok: false, reason: importFailure(specifier, e) };
  }
};

/**
 * Why importing `specifier` failed, in one line, with absolute paths shortened
 * (`'…/node_modules/@bijective/x/src/index.ts'` says enough).
 *
 * @example
 * ```ts
 * importFailure('@bijective/backend-node', e); // "cannot import @bijective/backend-node: …"
 * ```
 */
export const importFailure = (specifier: string, e: unknown): string =>
  `cannot import ${specifier}: ${errorText(e).replace(/'[^']*\/node_modules\//g, "'…/node_modules/")}`;

/**
 * Find the flow families (core's one discovery rule, `familyPackages`: the
 * dependencies in this app's package.json that declare
 * `"bijective": { "family" }`, in that order), import each main entry and
 * collect its `presets` (and @bijective/continuous's trainers, typed). A
 * package that fails to import or exports no presets becomes a
 * `MissingFamily` with the reason; nothing here throws.
 *
 * @example
 * ```ts
 * const catalog = await loadCatalog();
 * catalog.entries.map((e) => e.id); // ['coupling/realNVP', …, 'autoregressive/maf', …]
 * ```
 */
export const loadCatalog = async (): Promise<FlowCatalog> => {
  const modules: FamilyModule[] = [];
  for (const { family, packageName } of familyPackages(new URL('../package.json', import.meta.url)))
    modules.push({ family, packageName, ...(await importOptional(packageName)) });
  // The continuous family's trainers, typed by the package (a failed import is a skipped family).
  const continuous = await import('@bijective/continuous').catch(() => undefined);
  return catalogFromModules(modules, continuous);
};
