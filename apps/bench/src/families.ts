import { familyPackages } from '@bijective/core/node';
import { type FamilyModule, type FlowCatalog, catalogFromModules, isRecord } from './flows.js';
import { errorText } from './format.js';

/** Why importing `specifier` failed, in one line, `node_modules` paths shortened. */
export const importFailure = (specifier: string, e: unknown): string =>
  `cannot import ${specifier}: ${errorText(e).replace(/'[^']*\/node_modules\//g, "'…/node_modules/")}`;

/**
 * Find the flow families (core's `familyPackages`: dependencies declaring `"bijective":
 * { "family" }`), import each by a name held in a variable, collect its `presets`; never throws.
 */
export const loadCatalog = async (): Promise<FlowCatalog> => {
  const modules: FamilyModule[] = [];
  for (const { family, packageName } of familyPackages(
    new URL('../package.json', import.meta.url),
  )) {
    const module: unknown = await import(packageName).catch((e: unknown) => e);
    modules.push(
      isRecord(module) && !(module instanceof Error)
        ? { family, packageName, ok: true, module }
        : { family, packageName, ok: false, reason: importFailure(packageName, module) },
    );
  }
  // The continuous family's trainers, typed by the package (a failed import is a skipped family).
  const continuous = await import('@bijective/continuous').catch(() => undefined);
  return catalogFromModules(modules, continuous);
};
