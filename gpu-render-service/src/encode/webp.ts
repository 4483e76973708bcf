/**
 * WebP through sharp (libvips, libwebp) from raw RGBA: lossless by default,
 * so decoding gives the frames back (except the colour of fully transparent
 * pixels, which lossless WebP may drop: their alpha, 0, is kept). A video
 * is an animated WebP, one page per frame. Fixed settings: the same frames
 * give the same bytes with the same libwebp.
 */
import sharp from "sharp";
import { frame, type Frame } from "../frame.ts";

export interface WebpOptions {
  /** Lossless (the default) or lossy at `quality`. */
  readonly lossless?: boolean;
  readonly quality?: number;
}

export const WEBP_SETTINGS = "lossless effort=4 loop=0";

export async function encodeWebp(frames: readonly Frame[], fps: number, options: WebpOptions = {}): Promise<Uint8Array> {
  const first = frames[0];
  if (!first) throw new Error("webp: no frames");
  const { width, height } = first;
  const lossless = options.lossless ?? true;
  const settings = lossless ? { lossless: true, effort: 4 } : { quality: options.quality ?? 90, effort: 4 };
  if (frames.length === 1) {
    return new Uint8Array(await sharp(first.data, { raw: { width, height, channels: 4 } }).webp(settings).toBuffer());
  }
  const all = new Uint8Array(width * height * 4 * frames.length);
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) throw new Error(`webp: frame ${i} is ${f.width}x${f.height}, not ${width}x${height}`);
    all.set(f.data, i * width * height * 4);
  });
  const delay = Math.max(1, Math.round(1000 / fps));
  const image = sharp(all, { raw: { width, height: height * frames.length, channels: 4, pageHeight: height }, limitInputPixels: false });
  return new Uint8Array(await image.webp({ ...settings, loop: 0, delay: frames.map(() => delay) }).toBuffer());
}

/** Every frame of a (possibly animated) WebP as RGBA. */
export async function decodeWebp(bytes: Uint8Array): Promise<Frame[]> {
  const { data, info } = await sharp(bytes, { animated: true, limitInputPixels: false }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const pageHeight = info.pageHeight ?? info.height;
  const pages = Math.round(info.height / pageHeight);
  const size = info.width * pageHeight * 4;
  const out: Frame[] = [];
  for (let i = 0; i < pages; i++) out.push(frame(info.width, pageHeight, new Uint8Array(data.buffer, data.byteOffset + i * size, size).slice()));
  return out;
}

export function webpVersion(): string {
  return `sharp ${sharp.versions.sharp} libvips ${sharp.versions.vips} libwebp ${sharp.versions.webp ?? "?"}`;
}
