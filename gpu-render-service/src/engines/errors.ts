/**
 * The engines' typed errors: a request no engine can compute (bad sizes, a
 * crop outside the frame), and the WebGPU engine finding no adapter.
 */

export type EngineErrorCode = "bad-size" | "bad-rect" | "bad-input" | "no-adapter" | "gpu";

export class EngineError extends Error {
  override readonly name = "EngineError";
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** WebGPU found no adapter: no GPU and no software Vulkan (lavapipe). */
export class NoAdapterError extends EngineError {
  constructor(detail = "") {
    super(
      "no-adapter",
      "WebGPU (Dawn) found no adapter" +
        (detail ? ` (${detail})` : "") +
        ": install a Vulkan driver — on Debian bookworm `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1` for the lavapipe software GPU — or run on a machine with a GPU; or use the CPU engine (--backend cpu)",
    );
  }
}

/** Largest width or height an engine accepts. */
export const MAX_SIDE = 16384;

/** Checks a frame size: positive integers no larger than MAX_SIDE. */
export function checkSize(width: number, height: number, what = "frame"): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new EngineError("bad-size", `${what} size ${width}x${height} is not allowed: width and height must be integers from 1 to ${MAX_SIDE}`);
  }
}
