import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PACKAGES, type PackageName, type Tarballs } from './packTarballs.js';

const repo = resolve(import.meta.dirname, '../../..');

/** The root README, as a user reads it. */
export const readme = (): string => readFileSync(join(repo, 'README.md'), 'utf8');

/** The first fenced block of `lang` after the heading `heading` in the README, verbatim. */
export const readmeBlock = (heading: string, lang: string): string => {
  const text = readme();
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README has no heading '${heading}'`);
  const open = text.indexOf('```' + lang + '\n', at);
  const close = text.indexOf('\n```', open + 4);
  if (open < 0 || close < 0) throw new Error(`no \`\`\`${lang} block after '${heading}'`);
  return text.slice(open + lang.length + 4, close + 1);
};

/** The README's install line for `manager` ('npm install ...' or 'pnpm add ...'), as words. */
export const installLine = (manager: 'npm' | 'pnpm'): string[] => {
  const verb = manager === 'npm' ? 'npm install ' : 'pnpm add ';
  const line = readme()
    .split('\n')
    .find((l) => l.startsWith(verb));
  if (line === undefined) throw new Error(`README has no '${verb}...' line`);
  return line.trim().split(/\s+/);
};

/** Run a command, returning its stdout; on failure the error carries stdout and stderr. */
export const run = (
  cwd: string,
  command: string,
  args: readonly string[],
  timeoutMs = 600_000,
): string => {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
    });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`,
    );
  }
};

/**
 * A fresh project outside the workspace whose package manager resolves every `@bijective/*`
 * package to its packed tarball, as if they had been published. pnpm resolves the packages'
 * dependencies on each other (`@bijective/core@0.1.0`) from the registry unless
 * `pnpm.overrides` point them at the tarballs; npm reuses the tarball installed at the top.
 */
export const freshProject = (tarballs: Tarballs, extra: Record<string, unknown> = {}): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bijective-user-'));
  const files = Object.fromEntries(
    (Object.keys(PACKAGES) as PackageName[]).map((n) => [n, `file:${tarballs[n]}`]),
  );
  const manifest = {
    name: 'bijective-user',
    version: '1.0.0',
    private: true,
    type: 'module',
    pnpm: { overrides: files, ...((extra['pnpm'] as object | undefined) ?? {}) },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'pnpm')),
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  return dir;
};

/** Replace every `@bijective/*` name in an install line by its tarball. */
export const withTarballs = (words: readonly string[], tarballs: Tarballs): string[] =>
  words.map((w) => (w in tarballs ? tarballs[w as PackageName] : w));

/** Bytes under `dir`, following no symlinks twice (pnpm links into its store). */
export const diskUsage = (dir: string): number => {
  let total = 0;
  const seen = new Set<number>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p, { throwIfNoEntry: false });
      if (s === undefined || seen.has(s.ino)) continue;
      seen.add(s.ino);
      if (s.isDirectory()) walk(p);
      else total += s.size;
    }
  };
  walk(dir);
  return total;
};

/** The number after `label` in `text` (e.g. the example's printed test log-likelihood). */
export const numberAfter = (text: string, label: string): number => {
  const m = new RegExp(`${label}\\s*(-?[0-9.]+)`).exec(text);
  if (m === null) throw new Error(`no '${label} <number>' in:\n${text}`);
  return Number(m[1]);
};
