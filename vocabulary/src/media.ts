/**
 * Media in pages: `(render-media recipe)` shows a recipe's rendered output
 * (the render service makes it; the edge keeps it by CID behind the pointer
 * `media:<key>`), and `(named-media name)` the output a render was last
 * given that name by (`POST /webhooks/render` with a name). The router does
 * them (workers/router/src/media/).
 */
import type { PrimitiveDoc } from "./spec.ts";

export const MEDIA_PRIMITIVES: readonly PrimitiveDoc[] = [
  {
    io: true,
    name: "render-media",
    params: "recipe &key with format alt class",
    doc:
      "The rendered output of a media recipe (quoted, or as text), as an img or video element from /ipfs/<cid>. " +
      "Names in the recipe take their values from :with, a map ({:from \"#264653\" :seed 3}); :format is png, webp, gif, mp4 or webm. " +
      "Until the render lands the element is pending and shows its progress.",
  },
  {
    io: true,
    name: "named-media",
    params: "name &key alt class",
    doc: "The output a render was last given this name by (POST /webhooks/render with a name), as an img or video element; nothing until there is one.",
  },
];
