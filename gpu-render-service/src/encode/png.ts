/**
 * PNG through fast-png (pure JS; fflate's deflate at a fixed level): the
 * same frame always gives the same bytes, and decoding gives the frame back
 * exactly. Frames are stored as PNG in the store too (the plan's cache).
 */
import { convertIndexedToRgb, decode, encode } from "fast-png";
import { frame, type Frame } from "../frame.ts";

/** Fixed, so bytes (and CIDs) never depend on a default that could change. */
const ZLIB = { level: 3 } as const;

export function encodePng(f: Frame): Uint8Array {
  return encode({ width: f.width, height: f.height, data: f.data, depth: 8, channels: 4 }, { zlib: ZLIB });
}

/** Whether the bytes start with PNG's signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

/**
 * A PNG as an 8-bit RGBA frame: grey, grey+alpha, RGB, RGBA and palette
 * images at 8 or 16 bits (16 bits keep the high byte); throws for others
 * (packed 1/2/4-bit grey), which the caller may decode another way.
 */
export function decodePng(bytes: Uint8Array): Frame {
  const png = decode(bytes);
  const { width, height } = png;
  const n = width * height;
  const out = new Uint8Array(n * 4);
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const ch = rgb.length / n;
    for (let i = 0; i < n; i++) {
      out[i * 4] = rgb[i * ch]!;
      out[i * 4 + 1] = rgb[i * ch + 1]!;
      out[i * 4 + 2] = rgb[i * ch + 2]!;
      out[i * 4 + 3] = ch === 4 ? rgb[i * ch + 3]! : 255;
    }
    return frame(width, height, out);
  }
  if (png.depth !== 8 && png.depth !== 16) throw new Error(`a ${png.depth}-bit PNG`);
  const src = png.data;
  const shift = png.depth === 16 ? 8 : 0;
  const ch = png.channels;
  for (let i = 0; i < n; i++) {
    const at = i * ch;
    const v = (k: number): number => src[at + k]! >> shift;
    if (ch === 1 || ch === 2) {
      const g = v(0);
      out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = g;
      out[i * 4 + 3] = ch === 2 ? v(1) : 255;
    } else {
      out[i * 4] = v(0);
      out[i * 4 + 1] = v(1);
      out[i * 4 + 2] = v(2);
      out[i * 4 + 3] = ch === 4 ? v(3) : 255;
    }
  }
  return frame(width, height, out);
}
