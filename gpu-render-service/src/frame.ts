/**
 * A frame: 8-bit RGBA pixels, row-major, top row first, straight (not
 * premultiplied) alpha. What every source makes, every effect reads and
 * writes, and every encoder takes; both engines (CPU and WebGPU) compute the
 * same frames within ±1 per channel.
 */
export interface Frame {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes: R, G, B, A. */
  readonly data: Uint8Array;
}

export function frame(width: number, height: number, data: Uint8Array = new Uint8Array(width * height * 4)): Frame {
  if (data.length !== width * height * 4) throw new RangeError(`a ${width}x${height} frame has ${width * height * 4} bytes, not ${data.length}`);
  return { width, height, data };
}
