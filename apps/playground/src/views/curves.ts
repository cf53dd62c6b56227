/** The learning curves: training and validation log-likelihood (nats per point) against steps. */
import type { CurvePoint } from '../protocol.js';
import { FONT, INK, MUTED, surface } from './canvas.js';

export const TRAIN_COLOR = '#2563eb';
export const VAL_COLOR = '#ea580c';

const niceStep = (span: number, target: number): number => {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
};

/** Draw both curves with axes; the y range ignores the first points' very low values. */
export const drawCurves = (canvas: HTMLCanvasElement, points: readonly CurvePoint[]): void => {
  const { ctx, width, height } = surface(canvas);
  const m = { left: 46, right: 10, top: 10, bottom: 34 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  ctx.font = FONT;
  if (points.length === 0) {
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'center';
    ctx.fillText('press Train to see the log-likelihood rise', width / 2, height / 2);
    return;
  }
  const finite = points.flatMap((p) => [p.train, p.val]).filter((v) => Number.isFinite(v));
  const tail = points.slice(Math.floor(points.length * 0.1)).flatMap((p) => [p.train, p.val]);
  const ys = tail.filter((v) => Number.isFinite(v));
  let lo = Math.min(...(ys.length > 0 ? ys : finite), 0);
  let hi = Math.max(...(ys.length > 0 ? ys : finite), -1);
  lo = Math.max(lo, hi - 6);
  if (hi - lo < 0.5) lo = hi - 0.5;
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const maxStep = Math.max(points[points.length - 1]!.step, 1);
  const X = (s: number) => m.left + (s / maxStep) * w;
  const Y = (v: number) => m.top + ((hi - Math.min(hi, Math.max(lo, v))) / (hi - lo)) * h;
  ctx.strokeStyle = '#e5e7eb';
  ctx.fillStyle = MUTED;
  ctx.lineWidth = 1;
  const dy = niceStep(hi - lo, 4);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let v = Math.ceil(lo / dy) * dy; v <= hi; v += dy) {
    ctx.beginPath();
    ctx.moveTo(m.left, Y(v));
    ctx.lineTo(m.left + w, Y(v));
    ctx.stroke();
    ctx.fillText(v.toFixed(dy < 1 ? 1 : 0), m.left - 5, Y(v));
  }
  const dx = niceStep(maxStep, 4);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let s = 0; s <= maxStep; s += dx) ctx.fillText(String(s), X(s), m.top + h + 4);
  ctx.fillStyle = INK;
  ctx.fillText('steps', m.left + w / 2, m.top + h + 18);
  ctx.strokeStyle = 'rgba(31,41,55,0.35)';
  ctx.strokeRect(m.left + 0.5, m.top + 0.5, w, h);
  const line = (key: 'train' | 'val', color: string) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let started = false;
    for (const p of points) {
      const v = p[key];
      if (!Number.isFinite(v)) continue;
      if (started) ctx.lineTo(X(p.step), Y(v));
      else ctx.moveTo(X(p.step), Y(v));
      started = true;
    }
    ctx.stroke();
  };
  line('train', TRAIN_COLOR);
  line('val', VAL_COLOR);
  ctx.save();
  ctx.translate(12, m.top + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = INK;
  ctx.fillText('log-likelihood (nats)', 0, 0);
  ctx.restore();
};
