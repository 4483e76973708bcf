/**
 * What one recipe may ask for. Checked statically where the values are
 * literals (with positions), and again when the recipe is evaluated and
 * planned (computed sizes, asset sizes once decoded).
 */
export const LIMITS = {
  /** Pixels on a side. */
  maxSide: 8192,
  /** Pixels in one frame: 16 megapixels (4096x4096, or 8192x2048). */
  maxPixels: 16 * 1024 * 1024,
  /** Frames in one video. */
  maxFrames: 600,
  /** Frames per second. */
  maxFps: 120,
  /** Pixels over all the frames of a video: 600 frames of 1920x1080. */
  maxVideoPixels: 600 * 1920 * 1080,
  /** Distinct nodes in a plan. */
  maxNodes: 20_000,
  /** Evaluation steps (calls) for the whole recipe, every frame's evaluation included. */
  maxSteps: 2_000_000,
} as const;
