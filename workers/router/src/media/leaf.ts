/**
 * The `media` leaf of a request's executor: ask for the recipe's render
 * (one job per recipe, however many pages ask); a job just queued, or one
 * left waiting for an unreachable service, is handed over. It never waits
 * for the render: the answer is `pending` until it lands.
 */
import type { MediaLeaf } from "@rose-ash/executor";
import type { RenderSpec } from "@rose-ash/durable-objects";
import { askRender, handOver, renderingMissing, stalled, type RenderBindings } from "./jobs.ts";

export function mediaLeaf(env: RenderBindings, origin: string | null, defer: (p: Promise<unknown>) => void): MediaLeaf<RenderSpec> {
  return {
    kind: "media",
    execute: async (spec) => {
      const missing = renderingMissing(env);
      if (missing) return { state: "absent", reason: missing };
      const change = await askRender(env, spec);
      const j = change.job!;
      if (change.queue || stalled(j)) await handOver(env, spec.key, origin, defer);
      if (j.state === "done" && j.cid) return { state: "done", cid: j.cid, inputKey: j.key };
      if (j.state === "failed") return { state: "failed", job: j.key, error: j.error ?? "the render failed" };
      return { state: "pending", job: j.key };
    },
  };
}
