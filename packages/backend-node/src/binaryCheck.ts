import { readFileSync } from 'node:fs';

const u64 = (v: DataView, at: number, le: boolean): number => Number(v.getBigUint64(at, le));

/**
 * Why `bytes` is not a complete ELF shared object, or `undefined` if it is.
 * Checks (ELF spec, System V gABI ch. 4–5): the magic `\x7fELF`, class and
 * byte order, type `ET_DYN`, that the program and section header tables lie
 * inside the file, and that every `PT_LOAD` / `PT_DYNAMIC` segment and every
 * section with file contents (all but `SHT_NOBITS`) ends inside the file.
 * `dlopen` maps the `PT_LOAD` segments; a segment past the end of a
 * truncated file makes the first touch of that page raise SIGBUS, which
 * kills the process, so this must be checked before loading.
 *
 * @example
 * ```ts
 * elfProblem(readFileSync('addon.node').subarray(0, 1000)); // 'segment 2 ends at byte 172,312 of a 1,000-byte file'
 * ```
 */
export const elfProblem = (bytes: Uint8Array): string | undefined => {
  const size = bytes.byteLength;
  if (size < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    return 'not an ELF file (magic \\x7fELF missing)';
  const is64 = bytes[4] === 2;
  if (bytes[4] !== 1 && !is64) return `unknown ELF class ${bytes[4]}`;
  if (bytes[5] !== 1 && bytes[5] !== 2) return `unknown ELF byte order ${bytes[5]}`;
  const le = bytes[5] === 1;
  const headerSize = is64 ? 64 : 52;
  if (size < headerSize) return `the ELF header needs ${headerSize} bytes, the file has ${size}`;
  const v = new DataView(bytes.buffer, bytes.byteOffset, size);
  const word = (at: number) => (is64 ? u64(v, at, le) : v.getUint32(at, le));
  if (v.getUint16(16, le) !== 3) return 'not a shared object (ELF type is not ET_DYN)';
  const phoff = word(is64 ? 32 : 28);
  const shoff = word(is64 ? 40 : 32);
  const at = is64 ? 54 : 42;
  const [phentsize, phnum, shentsize, shnum] = [0, 2, 4, 6].map((d) => v.getUint16(at + d, le)) as [
    number,
    number,
    number,
    number,
  ];
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (phnum === 0 || phoff + phnum * phentsize > size)
    return `the program header table ends at byte ${fmt(phoff + phnum * phentsize)} of a ${fmt(size)}-byte file (truncated)`;
  if (shoff + shnum * shentsize > size)
    return `the section header table ends at byte ${fmt(shoff + shnum * shentsize)} of a ${fmt(size)}-byte file (truncated)`;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = v.getUint32(p, le);
    const offset = is64 ? u64(v, p + 8, le) : v.getUint32(p + 4, le);
    const filesz = is64 ? u64(v, p + 32, le) : v.getUint32(p + 16, le);
    if ((type === 1 || type === 2) && offset + filesz > size)
      return `segment ${i} ends at byte ${fmt(offset + filesz)} of a ${fmt(size)}-byte file (truncated)`;
  }
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    const type = v.getUint32(s + 4, le);
    const offset = is64 ? u64(v, s + 24, le) : v.getUint32(s + 16, le);
    const sz = is64 ? u64(v, s + 32, le) : v.getUint32(s + 20, le);
    if (type !== 8 && type !== 0 && offset + sz > size)
      return `section ${i} ends at byte ${fmt(offset + sz)} of a ${fmt(size)}-byte file (truncated)`;
  }
  return undefined;
};

/**
 * Why the file at `path` cannot be a loadable native addon for this
 * platform, or `undefined`. On Linux (and other ELF systems) the full
 * {@link elfProblem} check; on macOS and Windows only the Mach-O / PE magic
 * (a truncated file there fails in `dlopen` / `LoadLibrary` with an error
 * rather than a signal, as far as we know; not verified in CI). Never throws.
 *
 * @example
 * ```ts
 * const why = addonFileProblem(defaultAddonPath); // undefined for a good build
 * ```
 */
export const addonFileProblem = (
  path: string,
  platform: NodeJS.Platform = process.platform,
): string | undefined => {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (platform === 'darwin') {
    const m =
      bytes.byteLength >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, false) : 0;
    return [0xcffaedfe, 0xcefaedfe, 0xcafebabe, 0xfeedfacf].includes(m)
      ? undefined
      : `${path} is not a Mach-O file`;
  }
  if (platform === 'win32')
    return bytes[0] === 0x4d && bytes[1] === 0x5a ? undefined : `${path} is not a PE (MZ) file`;
  const problem = elfProblem(bytes);
  return problem === undefined ? undefined : `${path} is not a complete shared object: ${problem}`;
};
