/**
 * RenderJob: one Durable Object per recipe (by its media key), holding the
 * edge's render job. Asking for a recipe is one step on one object, so two
 * pages (or a page and a webhook) asking for the same missing recipe at once
 * queue one job. How a job changes is `nextJob` (render-job-rule.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { nextJob, type JobChange, type RenderEvent, type RenderJobRecord } from "./render-job-rule.ts";

export class RenderJob extends DurableObject {
  async get(): Promise<RenderJobRecord | null> {
    return (await this.ctx.storage.get<RenderJobRecord>("job")) ?? null;
  }

  /** Apply what happened; the job after it, whether to hand it to the service now, and names it added. */
  async apply(event: RenderEvent): Promise<JobChange> {
    const before = await this.get();
    const change = nextJob(before, event, new Date().toISOString());
    if (change.job && change.job !== before) await this.ctx.storage.put("job", change.job);
    return change;
  }
}
