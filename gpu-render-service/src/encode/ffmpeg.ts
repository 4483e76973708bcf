/**
 * GIF, MP4 (H.264) and WebM (VP9) through ffmpeg (Debian's package:
 * `apt-get install -y ffmpeg`), frames streamed as raw RGBA on its stdin.
 *
 * Determinism: every setting is fixed (no "auto"): one encoder thread and
 * one filter thread (thread counts change x264's and libvpx's decisions, and
 * would make bytes depend on the machine's cores), bit-exact scaling
 * (`-sws_flags ...+bitexact`: the same RGBA -> YUV on every CPU), and
 * `-fflags +bitexact -flags:v +bitexact` so the muxers write no version
 * strings, times or random IDs (Matroska's segment UID). The same frames
 * give the same bytes with the same ffmpeg build (its version is part of
 * the output's cache key). H.264 and VP9 in 4:2:0 need even sizes: odd ones
 * are refused with a message. Video formats drop alpha; GIF keeps one
 * transparent palette entry for pixels under half opacity.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { frame, type Frame } from "../frame.ts";

export type VideoFormat = "gif" | "mp4" | "webm";

const COMMON_OUT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", "-threads", "1", "-filter_threads", "1", "-filter_complex_threads", "1"];

/** The fixed settings of each format (they are part of the output's cache key). */
export const FFMPEG_SETTINGS: Readonly<Record<VideoFormat, readonly string[]>> = {
  gif: ["-filter_complex", "[0:v]split[a][b];[a]palettegen=reserve_transparent=1:stats_mode=full[p];[b][p]paletteuse=dither=bayer:bayer_scale=3:alpha_threshold=128", "-loop", "0", "-f", "gif"],
  mp4: ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4"],
  webm: ["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "30", "-deadline", "good", "-cpu-used", "2", "-row-mt", "0", "-tile-columns", "0", "-frame-parallel", "0", "-auto-alt-ref", "1", "-lag-in-frames", "16", "-pix_fmt", "yuv420p", "-f", "webm"],
};

const SWS = ["-sws_flags", "bicubic+accurate_rnd+full_chroma_int+bitexact"];

export class FfmpegMissingError extends Error {
  override name = "FfmpegMissingError";
  constructor() {
    super("ffmpeg is not installed: GIF, MP4 and WebM need it (Debian: apt-get install -y ffmpeg)");
  }
}

interface Run {
  readonly stdout: Uint8Array;
  readonly stderr: string;
  readonly code: number | null;
}

/** Run a command, feeding `input` chunks to its stdin; its stdout and stderr. */
function run(command: string, args: readonly string[], input: AsyncIterable<Uint8Array> | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input ? "pipe" : "ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed = false;
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      failed = true;
      reject(e.code === "ENOENT" ? new FfmpegMissingError() : e);
    });
    child.on("close", (code) => {
      if (!failed) resolve({ stdout: new Uint8Array(Buffer.concat(out)), stderr: Buffer.concat(err).toString("utf8"), code });
    });
    if (input && child.stdin) {
      const stdin = child.stdin;
      stdin.on("error", () => {}); // ffmpeg exiting early: its stderr says why
      void (async () => {
        try {
          for await (const chunk of input) {
            if (failed || stdin.destroyed) break;
            if (!stdin.write(chunk)) await new Promise<void>((r) => stdin.once("drain", r).once("close", r));
          }
        } catch (e) {
          child.kill("SIGKILL");
          failed = true;
          reject(e);
          return;
        }
        stdin.end();
      })();
    }
  });
}

let version: Promise<string> | null = null;

/** `ffmpeg version 5.1.9-0+deb12u1`: the build whose bytes a cached output holds. */
export function ffmpegVersion(): Promise<string> {
  return (version ??= run("ffmpeg", ["-version"], null).then((r) => Buffer.from(r.stdout).toString("utf8").split("\n")[0]!.replace(/ Copyright.*$/, "").trim()));
}

export interface VideoInput {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: AsyncIterable<Frame>;
}

/** Encode frames (streamed) as GIF, MP4 or WebM. */
export async function encodeVideo(format: VideoFormat, input: VideoInput): Promise<Uint8Array> {
  const { width, height } = input;
  if (format !== "gif" && (width % 2 || height % 2)) throw new Error(`${format} needs an even width and height (4:2:0 video), not ${width}x${height}: resize or crop it`);
  const dir = await mkdtemp(join(tmpdir(), "rose-render-"));
  const out = join(dir, `out.${format}`);
  try {
    const args = [
      "-hide_banner", "-loglevel", "error", ...SWS,
      "-f", "rawvideo", "-pix_fmt", "rgba", "-s", `${width}x${height}`, "-framerate", String(input.fps), "-i", "pipe:0",
      ...FFMPEG_SETTINGS[format], ...COMMON_OUT, "-y", out,
    ];
    const r = await run("ffmpeg", args, rawFrames(input));
    if (r.code !== 0) throw new Error(`ffmpeg (${format}) failed: ${r.stderr.trim().split("\n").slice(-3).join(" / ") || `exit ${r.code}`}`);
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function* rawFrames(input: VideoInput): AsyncIterable<Uint8Array> {
  let i = 0;
  for await (const f of input.frames) {
    if (f.width !== input.width || f.height !== input.height) throw new Error(`frame ${i} is ${f.width}x${f.height}, not ${input.width}x${input.height}: every frame of a video has one size`);
    yield f.data;
    i++;
  }
}

/** Every frame of a GIF, MP4 or WebM as RGBA (ffmpeg decodes; no frame dropped or duplicated). */
export async function decodeVideo(bytes: Uint8Array, format: VideoFormat): Promise<Frame[]> {
  const dir = await mkdtemp(join(tmpdir(), "rose-render-"));
  const file = join(dir, `in.${format}`);
  try {
    await writeFile(file, bytes);
    const probe = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", file], null);
    const [width, height] = Buffer.from(probe.stdout).toString().trim().split(",").map(Number) as [number, number];
    if (!(width > 0 && height > 0)) throw new Error(`ffprobe could not read ${format}: ${probe.stderr.trim()}`);
    const r = await run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", file, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"], null);
    if (r.code !== 0) throw new Error(`ffmpeg could not decode ${format}: ${r.stderr.trim()}`);
    const size = width * height * 4;
    const frames: Frame[] = [];
    for (let at = 0; at + size <= r.stdout.length; at += size) frames.push(frame(width, height, r.stdout.slice(at, at + size)));
    return frames;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
