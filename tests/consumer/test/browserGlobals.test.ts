import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');

/**
 * Type-check every browser-facing entry (core, core/datasets, coupling, autoregressive,
 * continuous, backend-wasm; `tsconfig.browser.json`) with no Node type definitions: any use of a
 * Node global (`setImmediate`, `process`, `Buffer`, `__dirname`, `require`) or built-in module
 * (`node:fs`) in code those entries reach is then an error. `extra` files join the program.
 */
const browserDiagnostics = (extra: readonly string[] = []): string[] => {
  const file = join(repo, 'tsconfig.browser.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    file,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error(`cannot read ${file}`);
  const program = ts.createProgram([...config.fileNames, ...extra], config.options);
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
    );
};

describe('browser-facing packages use no Node-only globals or modules', () => {
  it('type-check without Node definitions', () => {
    expect(browserDiagnostics()).toEqual([]);
  });

  it('the check sees a planted Node global and a Node built-in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bijective-planted-'));
    try {
      const planted = join(dir, 'planted.ts');
      writeFileSync(
        planted,
        "import { readFileSync } from 'node:fs';\n" +
          'export const later = () => new Promise<void>((r) => setImmediate(r));\n' +
          "export const read = () => readFileSync('x');\n",
      );
      const found = browserDiagnostics([planted]).join('\n');
      expect(found).toContain("Cannot find name 'setImmediate'");
      expect(found).toContain("Cannot find module 'node:fs'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
