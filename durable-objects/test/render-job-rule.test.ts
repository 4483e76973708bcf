/** The render job's one rule (`nextJob`), without a Durable Object. */
import { describe, expect, it } from "vitest";
import { nextJob, type RenderJobRecord, type RenderSpec } from "../src/render-job-rule.ts";

const spec: RenderSpec = { key: "k".repeat(64), source: "(solid :width 4 :height 4 :color \"#000000\")", format: "png", kind: "image", width: 4, height: 4, frames: 1 };
const at = (s: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, s)).toISOString();

function asked(name: string | null = null): RenderJobRecord {
  return nextJob(null, { type: "ask", spec, name }, at(0)).job!;
}

describe("nextJob", () => {
  it("queues a recipe the first time it is asked for, and only then", () => {
    const first = nextJob(null, { type: "ask", spec, name: "banner" }, at(0));
    expect(first).toMatchObject({ queue: true, added: ["banner"], job: { state: "queued", stage: "queued", names: ["banner"], progress: { done: 0, total: 1 }, attempts: 0 } });
    const again = nextJob(first.job, { type: "ask", spec }, at(1));
    expect(again).toEqual({ job: first.job, queue: false, added: [] });
    const named = nextJob(first.job, { type: "ask", spec, name: "hero" }, at(2));
    expect(named).toMatchObject({ queue: false, added: ["hero"], job: { names: ["banner", "hero"] } });
  });

  it("goes submitted, running, done; progress never goes back, and what is done stays done", () => {
    let job = nextJob(asked(), { type: "submitted", serviceJob: "abc" }, at(1)).job!;
    expect(job).toMatchObject({ state: "submitted", serviceJob: "abc", attempts: 1 });
    job = nextJob(job, { type: "progress", stage: "render", done: 3, total: 10 }, at(2)).job!;
    job = nextJob(job, { type: "progress", stage: "render", done: 2, total: 10 }, at(3)).job!;
    expect(job).toMatchObject({ state: "running", stage: "render", progress: { done: 3, total: 10 } });
    job = nextJob(job, { type: "done", cid: "bafkreia" }, at(4)).job!;
    expect(job).toMatchObject({ state: "done", stage: "done", cid: "bafkreia", progress: { done: 10, total: 10 } });
    expect(nextJob(job, { type: "failed", error: "late" }, at(5)).job).toBe(job);
    expect(nextJob(job, { type: "progress", stage: "render", done: 1, total: 10 }, at(5)).job).toBe(job);
    expect(nextJob(job, { type: "done", cid: "bafkreia" }, at(5)).job).toBe(job);
    // Rendered again elsewhere, to other bytes: it takes the new CID.
    expect(nextJob(job, { type: "done", cid: "bafkreib" }, at(6)).job).toMatchObject({ state: "done", cid: "bafkreib" });
  });

  it("says why it waits, is queued again when the service lost it, and retries a failure only when asked to", () => {
    let job = nextJob(asked(), { type: "waiting", note: "the render service could not be reached" }, at(1)).job!;
    expect(job).toMatchObject({ state: "queued", note: "the render service could not be reached" });
    job = nextJob(job, { type: "submitted", serviceJob: "abc" }, at(2)).job!;
    expect(job.note).toBeNull();
    job = nextJob(job, { type: "lost" }, at(3)).job!;
    expect(job).toMatchObject({ state: "queued", serviceJob: null, attempts: 1 });
    job = nextJob(job, { type: "failed", error: "asset missing", errors: [{ line: 1, col: 2, message: "m" }] }, at(4)).job!;
    expect(job).toMatchObject({ state: "failed", error: "asset missing", errors: [{ line: 1, col: 2, message: "m" }] });
    expect(nextJob(job, { type: "ask", spec }, at(5))).toMatchObject({ queue: false, job: { state: "failed" } });
    const retried = nextJob(job, { type: "ask", spec, retry: true }, at(6));
    expect(retried).toMatchObject({ queue: true, job: { state: "queued", error: null, errors: null, attempts: 1, created: at(0) } });
  });

  it("ignores what happens to a job that was never asked for", () => {
    expect(nextJob(null, { type: "done", cid: "bafkreia" }, at(0))).toEqual({ job: null, queue: false, added: [] });
  });
});
