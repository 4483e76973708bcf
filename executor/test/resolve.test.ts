/**
 * The page walk on the embedded stores, with a scripted `page` leaf: the
 * plan, hits, misses and what is published, serving stale, and re-rendering
 * after a content change (asking calls again, moving, retiring).
 */
import { WarmStore, bucketStore, memoryBucket } from "@rose-ash/content";
import { Analysis, Hasher, basePrimitives, type IoCall } from "@rose-ash/sexp";
import { describe, expect, it } from "vitest";
import {
  Executor, Leaves, memoryCalls, memoryDependencies, memoryNamedPointers, memoryPointers, memoryResults, pageName, recipeRequest, resolveMedia,
  type MediaAnswer, type PageJob, type PageLeaf, type PageRender, type PageKey, type Stores,
} from "../src/index.ts";

function stores(): Stores {
  const r2 = bucketStore(memoryBucket());
  return {
    pages: { pointers: memoryPointers(), content: new WarmStore(r2, [r2]), pins: null, dependencies: memoryDependencies() },
    media: memoryNamedPointers(),
    results: memoryResults(),
    calls: memoryCalls(),
  };
}

const site = { hasher: new Hasher(new Map()), analysis: new Analysis(new Map(), basePrimitives), registry: basePrimitives };

/** A page leaf that renders whatever `content` says now, and counts its renders. */
function scripted() {
  const state = { html: "<p>one</p>", status: 200, degraded: false, fail: false, renders: 0, answer: "a" };
  const leaf: PageLeaf<PageJob, PageRender> = {
    kind: "page",
    execute: async (job) => {
      state.renders++;
      if (state.fail) throw new Error("the database is down");
      const calls: IoCall[] = [{ primitive: "query", args: ["x"], result: state.answer }];
      return {
        status: state.status, html: state.status === 200 ? state.html : null, location: null, calls,
        reads: [{ op: "query", service: "blog", name: "x" }], inputKey: `${pageName(job.page)} ${state.answer}`,
        userScoped: false, volatile: false, degraded: state.degraded, sessionStarted: false,
      };
    },
    askAgain: async (job) => `${pageName(job.page)} ${state.answer}`,
  };
  return { state, leaf };
}

function executor(s: Stores, leaf: PageLeaf<PageJob, PageRender>) {
  return new Executor({ site, stores: s, leaves: new Leaves().register(leaf), defer: () => {}, sessionReads: new Set(), dataReads: new Set() });
}

const page: PageKey = { route: "r1", path: "/p/", htmx: false };
const serve: PageJob = { page, shared: true, mode: "serve", fresh: false };
const refresh: PageJob = { ...serve, mode: "refresh" };

describe("resolvePage", () => {
  it("renders and publishes a shared page once, then serves it from its pointer", async () => {
    const s = stores();
    const { state, leaf } = scripted();
    const first = await executor(s, leaf).resolvePage(serve);
    expect(first.state).toBe("miss");
    const second = await executor(s, leaf).resolvePage(serve);
    expect(second).toMatchObject({ state: "hit" });
    expect(state.renders).toBe(1);
    if (second.state !== "hit" || first.state !== "miss") throw new Error("unexpected");
    expect(second.page.cid).toBe(first.page.cid);
    expect(second.page.template.text[0]).toBe("<p>one</p>");
    expect(await s.pages!.dependencies.pagesReading([{ op: "query", service: "blog", name: "x" }])).toEqual([page]);
  });

  it("renders for one visitor what the plan does not share, and what may not be kept", async () => {
    const s = stores();
    const { state, leaf } = scripted();
    expect((await executor(s, leaf).resolvePage({ ...serve, shared: false })).state).toBe("bypass");
    state.status = 404;
    expect((await executor(s, leaf).resolvePage(serve)).state).toBe("bypass");
    expect(await s.pages!.pointers.current(page)).toBeNull();
  });

  it("serves the page as it was when a forced render fails or a part of it does", async () => {
    const s = stores();
    const { state, leaf } = scripted();
    await executor(s, leaf).resolvePage(serve);
    state.fail = true;
    expect((await executor(s, leaf).resolvePage({ ...serve, fresh: true })).state).toBe("stale");
    state.fail = false;
    state.degraded = true;
    expect((await executor(s, leaf).resolvePage({ ...serve, fresh: true })).state).toBe("stale");
  });

  it("re-renders after a change only when asking the calls again answers differently; a page now gone is retired", async () => {
    const s = stores();
    const { state, leaf } = scripted();
    await executor(s, leaf).resolvePage(serve);
    expect(await executor(s, leaf).resolvePage(refresh)).toMatchObject({ state: "unchanged" });
    expect(state.renders).toBe(1);
    state.answer = "b";
    state.html = "<p>two</p>";
    const moved = await executor(s, leaf).resolvePage(refresh);
    expect(moved).toMatchObject({ state: "miss", moved: { status: "moved", sequence: 2 } });
    state.status = 404;
    state.answer = "c";
    expect(await executor(s, leaf).resolvePage(refresh)).toMatchObject({ state: "retired", sequence: 3 });
    expect(await executor(s, leaf).resolvePage(refresh)).toEqual({ state: "gone" });
    // Serving again renders it live, and publishes it when it is back.
    state.status = 200;
    expect((await executor(s, leaf).resolvePage(serve)).state).toBe("miss");
    expect((await s.pages!.pointers.current(page))!.retired).toBe(false);
  });

  it("a re-render that loses the pointer to a newer one renders again from current data, and never moves it back", async () => {
    const s = stores();
    const { state, leaf } = scripted();
    await executor(s, leaf).resolvePage(serve);
    // While this re-render runs, another one publishes newer data: this publish conflicts, and it tries again.
    state.answer = "b";
    state.html = "<p>two</p>";
    const racing: PageLeaf<PageJob, PageRender> = {
      ...leaf,
      execute: async (job) => {
        const render = await leaf.execute(job);
        if (state.renders === 2) {
          state.answer = "c";
          state.html = "<p>three</p>";
          await executor(s, leaf).resolvePage(refresh);
        }
        return render;
      },
    };
    const r = await executor(s, racing).resolvePage(refresh);
    expect(r).toMatchObject({ state: "miss", moved: { status: "unchanged" } });
    const now = (await s.pages!.pointers.current(page))!;
    expect(now.inputKey).toBe(`${pageName(page)} c`);
    expect(new TextDecoder().decode((await s.pages!.content.get(now.cid))!)).toBe("<p>three</p>");
  });

  it("fails a re-render whose pointer keeps moving, rather than report a move or a retirement it did not make", async () => {
    for (const status of [200, 404]) {
      const s = stores();
      const { state, leaf } = scripted();
      await executor(s, leaf).resolvePage(serve);
      state.answer = "b";
      state.status = status;
      let n = 0;
      const jostled: PageLeaf<PageJob, PageRender> = {
        ...leaf,
        execute: async (job) => {
          // Someone else moves the pointer under every attempt.
          const now = (await s.pages!.pointers.current(page, true))!;
          await s.pages!.pointers.publish(page, `bafy-other-${n++}`, now, null);
          return leaf.execute(job);
        },
      };
      await expect(executor(s, jostled).resolvePage(refresh)).rejects.toThrow(/kept moving under 3 re-renders/);
    }
  });

  it("gives the pointer a render's new input key when its bytes are the same, so the next change asks again instead of rendering", async () => {
    const s = stores();
    const { state, leaf } = scripted();
    await executor(s, leaf).resolvePage(serve);
    state.answer = "b"; // new data, the same page
    expect(await executor(s, leaf).resolvePage(refresh)).toMatchObject({ state: "miss", moved: { status: "unchanged", sequence: 1 } });
    expect((await s.pages!.pointers.current(page))!.inputKey).toBe(`${pageName(page)} b`);
    const renders = state.renders;
    expect(await executor(s, leaf).resolvePage(refresh)).toMatchObject({ state: "unchanged" });
    expect(state.renders).toBe(renders);
  });

  it("keeps a trace of what it did, for the plan picture", async () => {
    const s = stores();
    const { leaf } = scripted();
    const exec = executor(s, leaf);
    await exec.resolvePage(serve);
    expect(exec.trace.nodes).toMatchObject([{ kind: "page", label: "/p/", key: pageName(page), state: "miss", tier: "render" }]);
    expect(Executor.lastTrace(page)).toBe(exec.trace);
  });
});

describe("resolveMedia", () => {
  const job = { key: "k1", source: "(solid)" };
  function withMedia(answer: () => MediaAnswer) {
    const s = stores();
    const asked: string[] = [];
    const leaves = new Leaves().register<typeof job, MediaAnswer>({ kind: "media", execute: async (j) => (asked.push(j.key), answer()) });
    const exec = new Executor({ site, stores: s, leaves, defer: () => {}, sessionReads: new Set(), dataReads: new Set() });
    return { s, exec, asked };
  }

  it("answers from the recipe's pointer, and asks the media leaf only when it has nothing", async () => {
    const { s, exec, asked } = withMedia(() => ({ state: "pending", job: "k1" }));
    expect(await resolveMedia(exec, recipeRequest(job, "image"))).toEqual({ state: "pending", job: "k1" });
    expect(asked).toEqual(["k1"]);
    expect(exec.trace.nodes.at(-1)).toMatchObject({ kind: "media", key: "media:k1", state: "pending", tier: "render" });
    await s.media!.publish("media:k1", "bafkreia", { sequence: 0, cid: null }, "k1");
    expect(await resolveMedia(exec, recipeRequest(job, "image"))).toEqual({ state: "done", cid: "bafkreia", inputKey: "k1" });
    expect(asked).toEqual(["k1"]);
    expect(exec.trace.nodes.at(-1)).toMatchObject({ kind: "media", state: "hit", tier: "pointer" });
  });

  it("finds a name only a render moves: absent until one does", async () => {
    const { s, exec, asked } = withMedia(() => ({ state: "pending", job: "?" }));
    expect(await resolveMedia(exec, { pointer: "banner", label: "banner", job: null })).toMatchObject({ state: "absent" });
    await s.media!.publish("banner", "bafkreib", { sequence: 0, cid: null }, "k2");
    expect(await resolveMedia(exec, { pointer: "banner", label: "banner", job: null })).toEqual({ state: "done", cid: "bafkreib", inputKey: "k2" });
    expect(asked).toEqual([]);
  });
});
