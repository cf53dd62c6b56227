/** Point clouds over `[-4, 4]²`: the data, the samples, and each layer of the layers view. */
import { BOUND } from '../datasets.js';
import { type Frame, INK, drawAxes, squareFrame, surface } from './canvas.js';

/** One cloud: row-major points, a fill colour and a dot radius. */
export interface Cloud {
  readonly points: Float32Array;
  readonly color: string;
  readonly radius: number;
}

/** Draw clouds in order (later on top); returns the frame for pointer mapping. */
export const drawScatter = (
  canvas: HTMLCanvasElement,
  clouds: readonly Cloud[],
  options: { readonly axes?: boolean; readonly unitCircles?: boolean } = {},
): Frame => {
  const { ctx, width, height } = surface(canvas);
  const axes = options.axes ?? true;
  const frame = squareFrame(
    width,
    height,
    axes ? { left: 30, top: 8, bottom: 22, right: 8 } : { left: 2, top: 2, bottom: 2, right: 2 },
  );
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(frame.left, frame.top, frame.size, frame.size);
  if (options.unitCircles === true) {
    // The standard normal base: circles at 1, 2 and 3 standard deviations.
    const [cx, cy] = frame.toPx(0, 0);
    ctx.strokeStyle = 'rgba(31,41,55,0.25)';
    ctx.setLineDash([3, 3]);
    for (const r of [1, 2, 3]) {
      ctx.beginPath();
      ctx.arc(cx, cy, (r * frame.size) / (2 * BOUND), 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(frame.left, frame.top, frame.size, frame.size);
  ctx.clip();
  for (const c of clouds) {
    ctx.fillStyle = c.color;
    for (let i = 0; i + 1 < c.points.length; i += 2) {
      const [px, py] = frame.toPx(c.points[i]!, c.points[i + 1]!);
      ctx.fillRect(px - c.radius, py - c.radius, 2 * c.radius, 2 * c.radius);
    }
  }
  ctx.restore();
  drawAxes(ctx, frame, axes);
  ctx.strokeStyle = INK;
  return frame;
};
