/** Small, dependency-free SVG charts for the HTML report (inline, no external assets). */

/**
 * Escape text for XML/HTML content and attribute values.
 *
 * @example
 * ```ts
 * escapeXml('a<b'); // 'a&lt;b'
 * ```
 */
export const escapeXml = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** A fixed palette, one colour per series (backends), colour-blind friendly (Okabe & Ito 2008). */
export const PALETTE: readonly string[] = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];

/** One group of bars (a flow) with one value per series (a backend) and an optional reference mark. */
export interface BarGroup {
  readonly label: string;
  readonly values: readonly (number | undefined)[];
  /** Drawn as a black tick across the group (zuko's figure). */
  readonly reference?: number;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  readonly title: string;
  readonly series: readonly string[];
  readonly unit: string;
  /** Logarithmic value axis (throughputs span decades). Default true. */
  readonly log?: boolean;
  readonly referenceLabel?: string;
}

const fmt = (x: number): string => {
  const a = Math.abs(x);
  if (a >= 1e9) return `${+(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(x / 1e3).toPrecision(3)}k`;
  return `${+x.toPrecision(3)}`;
};

/** The opening of a chart: the `<svg>` element, its accessible title and the visible one at `left`. */
const open = (width: number, height: number, left: number, title: string): string[] => [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11" role="img">`,
  `<title>${escapeXml(title)}</title>`,
  `<text x="${left}" y="16" font-size="13" font-weight="600">${escapeXml(title)}</text>`,
];

/** Vertical grid lines at `ticks` from `top` to `bottom`, their labels, and the axis caption centred at `mid`. */
const axis = (
  ticks: readonly number[],
  x: (v: number) => number,
  [top, bottom, mid]: readonly [number, number, number],
  label: (t: number) => string,
  caption: string,
): string[] => [
  ...ticks.flatMap((t) => [
    `<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${bottom}" stroke="#ddd"/>`,
    `<text x="${x(t).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" fill="#555">${label(t)}</text>`,
  ]),
  `<text x="${mid}" y="${bottom + 28}" text-anchor="middle" fill="#333">${escapeXml(caption)}</text>`,
];

/**
 * A horizontal grouped bar chart as an SVG string: one group per label, one
 * bar per series, values on a (log10 by default) axis with decade ticks,
 * and an optional reference tick per group.
 *
 * @example
 * ```ts
 * barChart([{ label: 'maf', values: [12000, 30000], reference: 62000 }],
 *   { title: 'train, dim 2', series: ['cpu', 'wasm'], unit: 'samples/s', referenceLabel: 'zuko' });
 * ```
 */
export const barChart = (groups: readonly BarGroup[], o: BarChartOptions): string => {
  const log = o.log ?? true;
  const all = groups
    .flatMap((g) => [...g.values, g.reference])
    .filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  const barH = 9;
  const gap = 6;
  const left = 220;
  const width = 790;
  const plotW = width - left - 20;
  const top = 34;
  const groupH = Math.max(1, o.series.length) * barH + gap;
  const height = top + groups.length * groupH + 44;
  const parts = open(width, height, left, o.title);
  if (all.length === 0) {
    parts.push(`<text x="${left}" y="${top + 12}">no data</text></svg>`);
    return parts.join('');
  }
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
    if (hi <= lo) hi = lo * 10;
  } else {
    lo = 0;
    hi = hi * 1.05;
  }
  const x = (v: number) =>
    left +
    (log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi) * plotW;
  const ticks: number[] = [];
  if (log) for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  else for (let i = 0; i <= 4; i++) ticks.push((hi * i) / 4);
  const bottom = top + groups.length * groupH;
  parts.push(
    ...axis(
      ticks,
      x,
      [top, bottom, left + plotW / 2],
      fmt,
      `${o.unit}${log ? ' (log scale)' : ''}`,
    ),
  );
  groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    parts.push(
      `<text x="${left - 6}" y="${y0 + (groupH - gap) / 2 + 4}" text-anchor="end">${escapeXml(g.label)}</text>`,
    );
    g.values.forEach((v, si) => {
      if (v === undefined || !Number.isFinite(v) || v <= 0) return;
      const w = Math.max(1, x(v) - left);
      parts.push(
        `<rect x="${left}" y="${y0 + si * barH}" width="${w.toFixed(1)}" height="${barH - 1}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${o.series[si] ?? ''}: ${fmt(v)} ${o.unit}`)}</title></rect>`,
      );
    });
    if (g.reference !== undefined && g.reference > 0) {
      const xr = x(g.reference).toFixed(1);
      parts.push(
        `<line x1="${xr}" y1="${y0 - 2}" x2="${xr}" y2="${y0 + groupH - gap + 1}" stroke="#000" stroke-width="2"><title>${escapeXml(`${o.referenceLabel ?? 'reference'}: ${fmt(g.reference)} ${o.unit}`)}</title></line>`,
      );
    }
  });
  // Legend
  let lx = left;
  const ly = height - 8;
  o.series.forEach((s, i) => {
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${lx + 14}" y="${ly}">${escapeXml(s)}</text>`,
    );
    lx += 24 + s.length * 7;
  });
  if (o.referenceLabel !== undefined && groups.some((g) => g.reference !== undefined)) {
    parts.push(
      `<line x1="${lx}" y1="${ly - 10}" x2="${lx}" y2="${ly + 1}" stroke="#000" stroke-width="2"/><text x="${lx + 6}" y="${ly}">${escapeXml(o.referenceLabel)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
};

/** One point of a {@link dotChart}: an estimate with an error bar and an optional reference value. */
export interface Dot {
  readonly label: string;
  readonly value: number | undefined;
  readonly error?: number;
  readonly reference?: number;
  readonly referenceRange?: readonly [number, number];
}

/**
 * A horizontal dot plot as an SVG string: one row per label, the estimate
 * as a dot with ± error bar, the reference as a black diamond with its
 * [min, max] range as a grey band. Linear axis; higher is better.
 *
 * @example
 * ```ts
 * dotChart([{ label: 'maf', value: -1.76, error: 0.02, reference: -1.738, referenceRange: [-1.777, -1.717] }],
 *   { title: 'moons: test log-likelihood', unit: 'nats' });
 * ```
 */
export const dotChart = (
  dots: readonly Dot[],
  o: { readonly title: string; readonly unit: string },
): string => {
  const vals = dots
    .flatMap((d) => [
      d.value,
      d.value !== undefined && d.error !== undefined ? d.value - d.error : undefined,
      d.value !== undefined && d.error !== undefined ? d.value + d.error : undefined,
      d.reference,
      ...(d.referenceRange ?? []),
    ])
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  const left = 250;
  const width = 820;
  const plotW = width - left - 30;
  const rowH = 18;
  const top = 30;
  const height = top + dots.length * rowH + 48;
  const parts = open(width, height, left, o.title);
  if (vals.length === 0)
    return `${parts.join('')}<text x="${left}" y="${top + 12}">no data</text></svg>`;
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  const pad = Math.max((hi - lo) * 0.08, 1e-3);
  lo -= pad;
  hi += pad;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * plotW;
  const bottom = top + dots.length * rowH;
  const ticks = [0, 1, 2, 3, 4, 5].map((i) => lo + ((hi - lo) * i) / 5);
  parts.push(
    ...axis(
      ticks,
      x,
      [top, bottom, left + plotW / 2],
      (t) => `${+t.toPrecision(4)}`,
      `${o.unit} (higher is better)`,
    ),
  );
  dots.forEach((d, i) => {
    const y = top + i * rowH + rowH / 2;
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">${escapeXml(d.label)}</text>`);
    if (d.referenceRange !== undefined) {
      const [a, b] = d.referenceRange;
      parts.push(
        `<rect x="${x(a).toFixed(1)}" y="${y - 6}" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="12" fill="#ccc"/>`,
      );
    }
    if (d.reference !== undefined) {
      const xr = x(d.reference);
      parts.push(
        `<path d="M${xr.toFixed(1)},${y - 6} l5,6 l-5,6 l-5,-6 z" fill="#000"><title>${escapeXml(`zuko: ${d.reference}`)}</title></path>`,
      );
    }
    if (d.value !== undefined && Number.isFinite(d.value)) {
      if (d.error !== undefined && Number.isFinite(d.error)) {
        parts.push(
          `<line x1="${x(d.value - d.error).toFixed(1)}" y1="${y}" x2="${x(d.value + d.error).toFixed(1)}" y2="${y}" stroke="${PALETTE[0]}" stroke-width="2"/>`,
        );
      }
      parts.push(
        `<circle cx="${x(d.value).toFixed(1)}" cy="${y}" r="4.5" fill="${PALETTE[0]}"><title>${escapeXml(`${d.label}: ${d.value.toFixed(3)}`)}</title></circle>`,
      );
    }
  });
  const ly = height - 8;
  parts.push(
    `<circle cx="${left + 5}" cy="${ly - 4}" r="4.5" fill="${PALETTE[0]}"/><text x="${left + 14}" y="${ly}">bijective ± s.e.</text>` +
      `<path d="M${left + 130},${ly - 10} l5,6 l-5,6 l-5,-6 z" fill="#000"/><text x="${left + 140}" y="${ly}">zuko (mean; band = [min, max] over seeds)</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
};
