/**
 * Static assets bundled into the Worker: htmx (from npm) and the stylesheet.
 * Paths carry a version, so they are cached for a year.
 */
import htmx from "htmx.org/dist/htmx.min.js";
import css from "@rose-ash/app/static/site.css";
import favicon from "@rose-ash/app/static/favicon.svg";

interface Asset {
  readonly body: string;
  readonly type: string;
}

const ASSETS = new Map<string, Asset>([
  ["/static/htmx-2.0.11.min.js", { body: htmx, type: "text/javascript; charset=utf-8" }],
  ["/static/site.css", { body: css, type: "text/css; charset=utf-8" }],
  ["/static/favicon.svg", { body: favicon, type: "image/svg+xml" }],
]);

export function staticAsset(path: string): Response | null {
  const asset = ASSETS.get(path);
  if (!asset) return null;
  const immutable = /-\d+\.\d+\.\d+\./.test(path);
  return new Response(asset.body, {
    headers: {
      "content-type": asset.type,
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "public, max-age=300",
    },
  });
}
