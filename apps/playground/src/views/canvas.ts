/**
 * Canvas helpers shared by the views: a crisp (device-pixel-ratio aware)
 * 2-D context sized to the element's CSS box, and the square plot frame
 * with axes that maps `[-BOUND, BOUND]²` to pixels.
 */
import { BOUND } from '../datasets.js';

/** A context whose units are CSS pixels, and the canvas's CSS size. */
export interface Surface {
  readonly ctx: CanvasRenderingContext2D;
  readonly width: number;
  readonly height: number;
}

/** Resize the backing store to the CSS size × devicePixelRatio and return a context in CSS pixels. */
export const surface = (canvas: HTMLCanvasElement): Surface => {
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  const width = Math.max(1, Math.round(canvas.clientWidth));
  const height = Math.max(1, Math.round(canvas.clientHeight));
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('no 2-D canvas context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
};

/** The square plot area inside a canvas and its data ↔ pixel maps. */
export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly size: number;
  readonly toPx: (x: number, y: number) => [number, number];
  readonly toData: (px: number, py: number) => [number, number];
}

/** The largest square that fits with `margin` (left, bottom for tick labels) and `right` free. */
export const squareFrame = (
  width: number,
  height: number,
  margin = { left: 30, top: 8, bottom: 22, right: 8 },
): Frame => {
  const size = Math.max(
    10,
    Math.min(width - margin.left - margin.right, height - margin.top - margin.bottom),
  );
  const left = margin.left;
  const top = margin.top;
  const scale = size / (2 * BOUND);
  return {
    left,
    top,
    size,
    toPx: (x, y) => [left + (x + BOUND) * scale, top + (BOUND - y) * scale],
    toData: (px, py) => [(px - left) / scale - BOUND, BOUND - (py - top) / scale],
  };
};

export const INK = '#1f2937';
export const MUTED = '#6b7280';
export const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';

/** Ticks at -4, -2, 0, 2, 4 on both axes, with a thin border. */
export const drawAxes = (ctx: CanvasRenderingContext2D, f: Frame, labels = true): void => {
  ctx.save();
  ctx.strokeStyle = 'rgba(31,41,55,0.35)';
  ctx.lineWidth = 1;
  ctx.strokeRect(f.left + 0.5, f.top + 0.5, f.size - 1, f.size - 1);
  if (labels) {
    ctx.fillStyle = MUTED;
    ctx.font = FONT;
    for (let v = -BOUND; v <= BOUND; v += 2) {
      const [px] = f.toPx(v, 0);
      const [, py] = f.toPx(0, v);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(String(v), px, f.top + f.size + 5);
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(String(v), f.left - 5, py);
      ctx.beginPath();
      ctx.moveTo(px, f.top + f.size);
      ctx.lineTo(px, f.top + f.size + 3);
      ctx.moveTo(f.left - 3, py);
      ctx.lineTo(f.left, py);
      ctx.stroke();
    }
  }
  ctx.restore();
};
