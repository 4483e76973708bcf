/**
 * Host-side arithmetic of the composition operations that both engines
 * share, so their integer decisions (where resized content lands, which
 * pixels a crop keeps) are made once, exactly.
 */
import type { Fit } from "../engine.ts";
import type { Frame } from "../frame.ts";
import { EngineError, checkSize } from "./errors.ts";

/** Where resized content lands in the W × H output (see OPERATIONS "resize"): content size and origin. */
export interface ResizeBox {
  readonly cw: number;
  readonly ch: number;
  readonly ox: number;
  readonly oy: number;
}

export function resizeBox(w: number, h: number, W: number, H: number, fit: Fit): ResizeBox {
  let kx = W / w;
  let ky = H / h;
  if (fit === "contain") kx = ky = Math.min(kx, ky);
  else if (fit === "cover") kx = ky = Math.max(kx, ky);
  else if (fit !== "fill") throw new EngineError("bad-input", `resize :fit must be "contain", "cover" or "fill", got ${JSON.stringify(fit)}`);
  const cw = Math.max(1, Math.floor(w * kx + 0.5));
  const ch = Math.max(1, Math.floor(h * ky + 0.5));
  return { cw, ch, ox: Math.floor((W - cw) / 2), oy: Math.floor((H - ch) / 2) };
}

export function checkCrop(input: Frame, x: number, y: number, width: number, height: number): void {
  checkSize(width, height, "crop");
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x + width > input.width || y + height > input.height) {
    throw new EngineError("bad-rect", `crop ${width}x${height} at (${x}, ${y}) does not lie inside the ${input.width}x${input.height} frame`);
  }
}

export function checkOpacity(opacity: number): void {
  if (!Number.isFinite(opacity) || opacity < 0 || opacity > 1) throw new EngineError("bad-input", `blend :opacity must be from 0 to 1, got ${opacity}`);
}

export const BLEND_MODES = ["normal", "multiply", "screen", "overlay", "add", "difference"] as const;

export function checkMode(mode: string): number {
  const i = (BLEND_MODES as readonly string[]).indexOf(mode);
  if (i < 0) throw new EngineError("bad-input", `blend :mode must be one of ${BLEND_MODES.map((m) => JSON.stringify(m)).join(", ")}, got ${JSON.stringify(mode)}`);
  return i;
}

export function checkRgb(color: readonly number[]): void {
  if (color.length !== 3 || !color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
    throw new EngineError("bad-input", `a colour is three integers 0-255, got [${color.join(", ")}]`);
  }
}

export function checkFrame(f: Frame, what = "frame"): void {
  checkSize(f.width, f.height, what);
  if (f.data.length !== f.width * f.height * 4) throw new EngineError("bad-input", `${what}: a ${f.width}x${f.height} frame has ${f.width * f.height * 4} bytes, not ${f.data.length}`);
}
