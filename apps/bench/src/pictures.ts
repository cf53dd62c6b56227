import { encode } from 'fast-png';
import type { Matrix } from './data.js';
import { escapeXml } from './report/svg.js';

/** An 8-bit image (`width·height·channels` bytes, row-major: 1 grey, 3 RGB) as a PNG (fast-png). */
const png = (width: number, height: number, data: Uint8Array, channels: 1 | 3): Buffer =>
  Buffer.from(encode({ width, height, data, channels, depth: 8 }));

// Viridis at 9 stops (van der Walt & Smith 2015) as RGB triples, linearly interpolated.
const VIRIDIS = [
  68, 1, 84, 71, 44, 122, 59, 81, 139, 44, 113, 142, 33, 144, 141, 39, 173, 129, 92, 200, 99, 170,
  220, 50, 253, 231, 37,
];

/** Viridis colour of `t ∈ [0, 1]` (clamped). */
const viridis = (t: number): number[] => {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length / 3 - 1);
  const i = Math.min(VIRIDIS.length / 3 - 2, Math.floor(u));
  return [0, 1, 2].map(
    (k) => VIRIDIS[3 * i + k]! + (u - i) * (VIRIDIS[3 * i + 3 + k]! - VIRIDIS[3 * i + k]!),
  );
};

/** A heat map PNG of a `size × size` grid of non-negative values (row 0 on top), max brightest. */
export const heatmapPng = (grid: Float32Array | readonly number[], size: number): Buffer => {
  let max = 0;
  for (const v of grid) if (Number.isFinite(v) && v > max) max = v;
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) rgb.set(viridis(max > 0 ? (grid[i] ?? 0) / max : 0), i * 3);
  return png(size, size, rgb, 3);
};

/** The square window `[lo, hi]²` the 2-D pictures show. */
export type Window = { readonly lo: number; readonly hi: number };

const GRID = 96;

/** One 2-D panel: a histogram of points `[n, 2]` (flattened), or a density from its log. */
export type Panel2d = { readonly caption: string } & (
  { readonly points: Float32Array } | { readonly logProb: (grid: Matrix) => Float32Array }
);

/** 96×96 heat maps over `extent` plus 5%: histograms of points, or `exp log p` at cell centres. */
export const panels2d = (extent: Matrix, panels: readonly Panel2d[]): Panel[] => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of extent.values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const w = { lo: lo - 0.05 * (hi - lo), hi: hi + 0.05 * (hi - lo) };
  const grid = { rows: GRID * GRID, cols: 2, values: gridPoints(w, GRID) };
  return panels.map((p) => {
    const values =
      'points' in p
        ? histogram2d(p.points, w, GRID)
        : p.logProb(grid).map((v) => (Number.isFinite(v) ? Math.exp(v) : 0));
    return { caption: p.caption, png: heatmapPng(values, GRID) };
  });
};

/** Centres of a `size × size` grid over the window, row-major, top row (largest y) first. */
export const gridPoints = (w: Window, size: number): Float32Array => {
  const out = new Float32Array(size * size * 2);
  const step = (w.hi - w.lo) / size;
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++)
      out.set([w.lo + (c + 0.5) * step, w.hi - (r + 0.5) * step], (r * size + c) * 2);
  return out;
};

/** A 2-D histogram of points on the {@link gridPoints} grid; points outside the window dropped. */
export const histogram2d = (points: Float32Array, w: Window, size: number): Float32Array => {
  const counts = new Float32Array(size * size);
  const scale = size / (w.hi - w.lo);
  for (let i = 0; i + 1 < points.length; i += 2) {
    const c = Math.floor((points[i]! - w.lo) * scale);
    const r = Math.floor((w.hi - points[i + 1]!) * scale);
    if (c >= 0 && c < size && r >= 0 && r < size) counts[r * size + c]! += 1;
  }
  return counts;
};

const dataUri = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

export type Panel = { readonly caption: string; readonly png: Buffer };

/** Panels side by side in one self-contained SVG (PNGs inlined, crisp pixels), with a title. */
export const panelsSvg = (title: string, panels: readonly Panel[], panelSize: number): string => {
  const gap = 12;
  const width = panels.length * panelSize + (panels.length - 1) * gap + 8;
  const height = panelSize + 44;
  const items = panels
    .map((p, i) => {
      const x = 4 + i * (panelSize + gap);
      return (
        `<text x="${x + panelSize / 2}" y="36" text-anchor="middle">${escapeXml(p.caption)}</text>` +
        `<image x="${x}" y="40" width="${panelSize}" height="${panelSize}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${dataUri(p.png)}"/>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">` +
    `<title>${escapeXml(title)}</title><text x="4" y="16" font-size="13" font-weight="600">${escapeXml(title)}</text>${items}</svg>`
  );
};

/** A grid of 8×8 grey images as a PNG: `n·64` intensities in [0, 1] (1 = ink), `cols` per row. */
export const digitsGridPng = (images: Float32Array, n: number, cols: number): Buffer => {
  const rows = Math.ceil(n / cols);
  const w = cols * 9 + 1;
  const h = rows * 9 + 1;
  const grey = new Uint8Array(w * h).fill(255);
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * 9 + 1;
    const oy = Math.floor(k / cols) * 9 + 1;
    for (let p = 0; p < 64; p++) {
      const v = Math.min(1, Math.max(0, images[k * 64 + p] ?? 0));
      grey[(oy + Math.floor(p / 8)) * w + ox + (p % 8)] = Math.round(255 * (1 - v));
    }
  }
  return png(w, h, grey, 1);
};
