/**
 * The learned density as a heat map: `log p(x)` on a grid over
 * `[-4, 4]²`, coloured with viridis over the top `RANGE` nats (everything
 * lower is the darkest colour), with axes and a labelled colour bar.
 */
import { FONT, type Frame, INK, MUTED, drawAxes, squareFrame, surface } from './canvas.js';
import { viridis } from './colormap.js';

/** Nats of `log p` the colour scale spans below the grid's maximum. */
export const RANGE = 8;

const COLORBAR = 76;

/**
 * Draw the grid (row 0 at the top) and return the frame, so hover can map
 * pixels back to data coordinates.
 */
export const drawHeatmap = (canvas: HTMLCanvasElement, grid: Float32Array, size: number): Frame => {
  const { ctx, width, height } = surface(canvas);
  const frame = squareFrame(width, height, { left: 30, top: 8, bottom: 22, right: COLORBAR });
  let max = -Infinity;
  for (const v of grid) if (Number.isFinite(v) && v > max) max = v;
  if (!Number.isFinite(max)) max = 0;
  const min = max - RANGE;
  const img = new ImageData(size, size);
  for (let k = 0; k < size * size; k++) {
    const v = grid[k]!;
    const [r, g, b] = viridis(Number.isFinite(v) ? (v - min) / RANGE : 0);
    img.data[4 * k] = r;
    img.data[4 * k + 1] = g;
    img.data[4 * k + 2] = b;
    img.data[4 * k + 3] = 255;
  }
  const off = new OffscreenCanvas(size, size);
  const octx = off.getContext('2d');
  if (octx !== null) {
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(off, frame.left, frame.top, frame.size, frame.size);
  }
  drawAxes(ctx, frame);
  // Colour bar.
  const x0 = frame.left + frame.size + 12;
  const barW = 12;
  for (let i = 0; i < frame.size; i++) {
    const [r, g, b] = viridis(1 - i / frame.size);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x0, frame.top + i, barW, 1.5);
  }
  ctx.strokeStyle = 'rgba(31,41,55,0.35)';
  ctx.strokeRect(x0 + 0.5, frame.top + 0.5, barW - 1, frame.size - 1);
  ctx.font = FONT;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = MUTED;
  for (let i = 0; i <= 4; i++) {
    const v = max - (i * RANGE) / 4;
    const y = frame.top + (i * frame.size) / 4;
    ctx.fillText(
      v.toFixed(1),
      x0 + barW + 4,
      Math.min(Math.max(y, frame.top + 6), frame.top + frame.size - 6),
    );
  }
  ctx.save();
  ctx.fillStyle = INK;
  ctx.translate(width - 4, frame.top + frame.size / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('log p(x)', 0, 0);
  ctx.restore();
  return frame;
};
