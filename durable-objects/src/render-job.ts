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

  /**
   * Take the lease `name` for `ms` when nobody holds it: true for the one
   * caller that may do that work now (look at the service, land the output),
   * false for the others, who read the job as it is.
   */
  async lease(name: string, ms: number): Promise<boolean> {
    const now = Date.now();
    const key = `lease:${name}`;
    if (((await this.ctx.storage.get<number>(key)) ?? 0) > now) return false;
    await this.ctx.storage.put(key, now + ms);
    return true;
  }

  /** Give the lease `name` back before its time (the work is done, or failed). */
  async release(name: string): Promise<void> {
    await this.ctx.storage.delete(`lease:${name}`);
  }

  /** Apply what happened; the job after it, whether to hand it to the service now, and names it added. */
  async apply(event: RenderEvent): Promise<JobChange> {
    const before = await this.get();
    const change = nextJob(before, event, new Date().toISOString());
    if (change.job && change.job !== before) await this.ctx.storage.put("job", change.job);
    return change;
  }
}
