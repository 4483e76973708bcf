/**
 * The media type of stored bytes, from their first bytes, for the image and
 * video formats the platform makes (PNG, GIF, WebP, MP4, WebM) and JPEG: so
 * `/ipfs/<cid>` can be an `img` or `video` source. Nothing else is named:
 * text (a stored page, SVG) stays `application/octet-stream`, never HTML or
 * script served from this origin.
 */
export function mediaTypeOf(b: Uint8Array): string | null {
  const ascii = (from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === "PNG") return "image/png";
  if (b.length >= 6 && ascii(0, 4) === "GIF8") return "image/gif";
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 12 && ascii(4, 8) === "ftyp") return "video/mp4";
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return "video/webm";
  return null;
}
