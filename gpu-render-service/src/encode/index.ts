/**
 * The encoders: frames -> bytes of one format. PNG (fast-png) is exact;
 * WebP (sharp) lossless by default; GIF, MP4 and WebM through ffmpeg. Each
 * is deterministic for a given encoder build, whose version (`encoderId`)
 * goes into the output's cache key.
 */
import type { Frame } from "../frame.ts";
import { FFMPEG_SETTINGS, decodeVideo, encodeVideo, ffmpegVersion } from "./ffmpeg.ts";
import { decodePng, encodePng } from "./png.ts";
import { WEBP_SETTINGS, decodeWebp, encodeWebp, webpVersion } from "./webp.ts";

export type Format = "png" | "webp" | "gif" | "mp4" | "webm";
export const FORMATS: readonly Format[] = ["png", "webp", "gif", "mp4", "webm"];


export interface EncodeInput {
  readonly width: number;
  readonly height: number;
  /** Frames per second (a still: any). */
  readonly fps: number;
  readonly count: number;
  /** The frames, made as the encoder asks for them (a long video is never all in memory for ffmpeg). */
  readonly frames: AsyncIterable<Frame>;
}

export async function encode(format: Format, input: EncodeInput): Promise<Uint8Array> {
  switch (format) {
    case "png": {
      if (input.count !== 1) throw new Error(`png holds one image, and this recipe is a video of ${input.count} frames: use --format gif, mp4, webm or webp`);
      for await (const f of input.frames) return encodePng(f);
      throw new Error("png: no frame");
    }
    case "webp": {
      const frames: Frame[] = [];
      for await (const f of input.frames) frames.push(f);
      return encodeWebp(frames, input.fps || 1);
    }
    default:
      return encodeVideo(format, { width: input.width, height: input.height, fps: input.fps || 1, frames: input.frames });
  }
}

/** What made the bytes of a format, settings included: part of the output's cache key. */
export async function encoderId(format: Format): Promise<string> {
  switch (format) {
    case "png":
      return "fast-png 8 zlib level 3, RGBA 8-bit";
    case "webp":
      return `${webpVersion()} ${WEBP_SETTINGS}`;
    default:
      return `${await ffmpegVersion()} ${FFMPEG_SETTINGS[format].join(" ")}`;
  }
}

/** Decode bytes of a format back into frames (the round trip the tests check). */
export async function decode(format: Format, bytes: Uint8Array): Promise<Frame[]> {
  switch (format) {
    case "png":
      return [decodePng(bytes)];
    case "webp":
      return decodeWebp(bytes);
    default:
      return decodeVideo(bytes, format);
  }
}

export { decodePng, encodePng } from "./png.ts";
export { decodeWebp, encodeWebp } from "./webp.ts";
export { FfmpegMissingError, decodeVideo, encodeVideo, ffmpegVersion } from "./ffmpeg.ts";
