import { describe, expect, it } from "vitest";
import { mediaTypeOf } from "../src/media-type.ts";

const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe("mediaTypeOf", () => {
  it("names the image and video formats by their first bytes", () => {
    expect(mediaTypeOf(bytes([0x89], "PNG\r\n\x1a\n"))).toBe("image/png");
    expect(mediaTypeOf(bytes("GIF89a"))).toBe("image/gif");
    expect(mediaTypeOf(bytes("RIFF", [0, 0, 0, 0], "WEBPVP8L"))).toBe("image/webp");
    expect(mediaTypeOf(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(mediaTypeOf(bytes([0, 0, 0, 0x20], "ftypisom"))).toBe("video/mp4");
    expect(mediaTypeOf(bytes([0x1a, 0x45, 0xdf, 0xa3]))).toBe("video/webm");
  });

  it("names nothing else: a stored page or an SVG is never served as markup", () => {
    expect(mediaTypeOf(bytes("<!doctype html><p>hi"))).toBeNull();
    expect(mediaTypeOf(bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'))).toBeNull();
    expect(mediaTypeOf(new Uint8Array())).toBeNull();
  });
});
