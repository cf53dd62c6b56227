/** Small, dependency-free SVG charts for the HTML report (inline, no external assets). */

/** Escape text for XML/HTML content and attribute values. */
export const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c] ?? '#39'};`,
  );

/** One colour per series (backends), colour-blind friendly (Okabe & Ito 2008). */
const PALETTE = '#0072B2 #E69F00 #009E73 #CC79A7 #56B4E9 #D55E00 #F0E442 #000000'.split(' ');
const colour = (i: number): string => PALETTE[i % PALETTE.length]!;

/** One group of bars (a flow): one value per series (a backend), zuko's figure as a black tick. */
interface BarGroup {
  readonly label: string;
  readonly values: readonly (number | undefined)[];
  readonly reference?: number;
}

/** One row of a dot chart: an estimate ± error, zuko's mean (a diamond) and [min, max] (a band). */
interface Dot {
  readonly label: string;
  readonly value: number | undefined;
  readonly error?: number;
  readonly reference?: number;
  readonly referenceRange?: readonly [number, number];
}

const fmt = (x: number): string => {
  const [d, s] = Math.abs(x) >= 1e9 ? [1e9, 'G'] : Math.abs(x) >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
  return Math.abs(x) >= 1e3 ? `${+(x / d).toPrecision(3)}${s}` : `${+x.toPrecision(3)}`;
};
const tip = (text: string): string => `<title>${escapeXml(text)}</title>`;
const label = (x: number, y: number, text: string, attrs = ''): string =>
  `<text x="${x}" y="${y}"${attrs}>${escapeXml(text)}</text>`;
const diamond = (x: number, y: number): string => `M${x.toFixed(1)},${y - 6} l5,6 l-5,6 l-5,-6 z`;

/** A chart's frame: title, row labels, grid lines at `ticks`, axis caption, `body` and `legend`. */
const frame = (c: {
  title: string;
  width: number;
  left: number;
  rows: readonly string[];
  rowH: number;
  x: ((v: number) => number) | undefined;
  ticks: readonly number[];
  tick: (t: number) => string;
  caption: string;
  body: () => string[];
  legend: string;
}): string => {
  const top = 34;
  const bottom = top + c.rows.length * c.rowH;
  const height = bottom + 44;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${c.width}" height="${height}" viewBox="0 0 ${c.width} ${height}" font-family="system-ui, sans-serif" font-size="11" role="img">${tip(c.title)}${label(c.left, 16, c.title, ' font-size="13" font-weight="600"')}`;
  const x = c.x;
  if (x === undefined) return `${head}${label(c.left, top + 12, 'no data')}</svg>`;
  const mid = (c.left + c.width - 20) / 2;
  return [
    head,
    ...c.ticks.map((t) => {
      const at = x(t).toFixed(1);
      return `<line x1="${at}" y1="${top - 4}" x2="${at}" y2="${bottom}" stroke="#ddd"/><text x="${at}" y="${bottom + 14}" text-anchor="middle" fill="#555">${c.tick(t)}</text>`;
    }),
    label(mid, bottom + 28, c.caption, ' text-anchor="middle" fill="#333"'),
    ...c.rows.map((r, i) =>
      label(c.left - 6, top + i * c.rowH + c.rowH / 2 + 4, r, ' text-anchor="end"'),
    ),
    ...c.body(),
    `<g transform="translate(${c.left},${height - 8})">${c.legend}</g></svg>`,
  ].join('');
};

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Grouped horizontal bars: log10 axis with decade ticks (or linear), zuko's figure as a tick. */
export const barChart = (
  groups: readonly BarGroup[],
  o: {
    readonly title: string;
    readonly series: readonly string[];
    readonly unit: string;
    readonly log?: boolean;
    readonly referenceLabel?: string;
  },
): string => {
  const log = o.log ?? true;
  const all = groups
    .flatMap((g) => [...g.values, g.reference])
    .filter(finite)
    .filter((v) => v > 0);
  const [left, plotW, barH, groupH] = [220, 550, 9, Math.max(1, o.series.length) * 9 + 6];
  const l = log ? Math.log10 : (v: number) => v;
  const lo = log ? 10 ** Math.floor(Math.log10(Math.min(...all))) : 0;
  const hi = log
    ? Math.max(lo * 10, 10 ** Math.ceil(Math.log10(Math.max(...all))))
    : Math.max(...all) * 1.05;
  const x = (v: number) => left + ((l(v) - l(lo)) / (l(hi) - l(lo))) * plotW;
  const y0 = (gi: number) => 34 + gi * groupH;
  let lx = 0;
  const legend = o.series.map((s, i) => {
    const item = `<rect x="${lx}" y="-9" width="10" height="10" fill="${colour(i)}"/>${label(lx + 14, 0, s)}`;
    lx += 24 + s.length * 7;
    return item;
  });
  const refLabel = o.referenceLabel ?? 'reference';
  return frame({
    title: o.title,
    width: 790,
    left,
    rows: groups.map((g) => g.label),
    rowH: groupH,
    x: all.length === 0 ? undefined : x,
    ticks: log
      ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i)
      : [0, 1, 2, 3, 4].map((i) => (hi * i) / 4),
    tick: fmt,
    caption: `${o.unit}${log ? ' (log scale)' : ''}`,
    body: () =>
      groups.flatMap((g, gi) => [
        ...g.values.map((v, si) =>
          !finite(v) || v <= 0
            ? ''
            : `<rect x="${left}" y="${y0(gi) + si * barH + 3}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${barH - 1}" fill="${colour(si)}">${tip(`${o.series[si] ?? ''}: ${fmt(v)} ${o.unit}`)}</rect>`,
        ),
        g.reference === undefined || g.reference <= 0
          ? ''
          : `<line x1="${x(g.reference).toFixed(1)}" y1="${y0(gi) + 1}" x2="${x(g.reference).toFixed(1)}" y2="${y0(gi) + groupH - 2}" stroke="#000" stroke-width="2">${tip(`${refLabel}: ${fmt(g.reference)} ${o.unit}`)}</line>`,
      ]),
    legend:
      legend.join('') +
      (o.referenceLabel !== undefined && groups.some((g) => g.reference !== undefined)
        ? `<line x1="${lx}" y1="-10" x2="${lx}" y2="1" stroke="#000" stroke-width="2"/>${label(lx + 6, 0, o.referenceLabel)}`
        : ''),
  });
};

/** A dot plot: estimate ± error as dot and bar, zuko's mean a diamond, [min, max] a grey band. */
export const dotChart = (
  dots: readonly Dot[],
  o: { readonly title: string; readonly unit: string },
): string => {
  const vals = dots
    .flatMap((d) => [
      d.reference,
      ...(d.referenceRange ?? []),
      ...(finite(d.value) ? [d.value - (d.error ?? 0), d.value + (d.error ?? 0)] : []),
    ])
    .filter(finite);
  const [left, plotW, rowH] = [250, 540, 18];
  const pad = Math.max((Math.max(...vals) - Math.min(...vals)) * 0.08, 1e-3);
  const [lo, hi] = [Math.min(...vals) - pad, Math.max(...vals) + pad];
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * plotW;
  const dot = (cx: number, cy: number, more = '') =>
    `<circle cx="${cx.toFixed(1)}" cy="${cy}" r="4.5" fill="${colour(0)}">${more}</circle>`;
  return frame({
    title: o.title,
    width: 820,
    left,
    rows: dots.map((d) => d.label),
    rowH,
    x: vals.length === 0 ? undefined : x,
    ticks: [0, 1, 2, 3, 4, 5].map((i) => lo + ((hi - lo) * i) / 5),
    tick: (t) => `${+t.toPrecision(4)}`,
    caption: `${o.unit} (higher is better)`,
    body: () =>
      dots.flatMap((d, i) => {
        const y = 34 + i * rowH + rowH / 2;
        const [a, b] = d.referenceRange ?? [];
        const v = d.value;
        return [
          a === undefined || b === undefined
            ? ''
            : `<rect x="${x(a).toFixed(1)}" y="${y - 6}" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="12" fill="#ccc"/>`,
          d.reference === undefined
            ? ''
            : `<path d="${diamond(x(d.reference), y)}" fill="#000">${tip(`zuko: ${d.reference}`)}</path>`,
          !finite(v) || !finite(d.error)
            ? ''
            : `<line x1="${x(v - d.error).toFixed(1)}" y1="${y}" x2="${x(v + d.error).toFixed(1)}" y2="${y}" stroke="${colour(0)}" stroke-width="2"/>`,
          finite(v) ? dot(x(v), y, tip(`${d.label}: ${v.toFixed(3)}`)) : '',
        ];
      }),
    legend: `${dot(5, -4)}${label(14, 0, 'bijective ± s.e.')}<path d="${diamond(130, -4)}" fill="#000"/>${label(140, 0, 'zuko (mean; band = [min, max] over seeds)')}`,
  });
};
