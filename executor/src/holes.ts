/**
 * Filling a shared page's holes for the person asking: each hole (a
 * user-scoped component, e.g. the site's header) is a node of its own,
 * rendered by the `hole` leaf, or taken from what was kept for this visitor.
 * A rendered hole is kept, keyed with the component's Merkle hash, its
 * arguments and the visitor's scope (their session and its version, which
 * an action bumps), but only when all it read is the session and the site's
 * data (not a parameter, a cookie or a header, which the key does not hold,
 * nor the time) and nothing in it failed.
 */
import { Keyword, fromJson, type IoCall, type Value } from "@rose-ash/sexp";
import { USER_TTL_S } from "./components.ts";
import type { Walk } from "./context.ts";
import { resultKeys } from "./keys.ts";
import { measured, metrics } from "./metrics.ts";
import type { PartsScope } from "./parts.ts";
import { joinTemplate, type Template } from "./templates.ts";

/** Rendering a hole for this request's visitor: the `hole` leaf. */
export interface HoleJob {
  readonly component: string;
  /** Its keyword arguments, as the page has them. */
  readonly given: readonly Value[];
}

export interface HoleRender {
  readonly html: string;
  /** The I/O calls it made (what decides whether it may be kept for the visitor). */
  readonly calls: readonly IoCall[];
  /** It failed, and `html` is the site's notice in its place. */
  readonly failed: boolean;
  /** A part of it (a fragment) failed and shows a notice: not kept. */
  readonly degraded: boolean;
}

export interface FilledPage {
  /** The page, its holes filled. */
  readonly body: string;
  /** What each hole rendered to, in order. */
  readonly holes: readonly string[];
  /** Holes answered from what was kept. */
  readonly cached: number;
  /** Holes that failed and show the site's notice instead. */
  readonly failed: number;
}

/** Hole components seen reading more than the session and the data (a parameter, a header, the time): rendered every time. */
const unkept = new Set<string>();

export async function fillHoles(exec: Walk, template: Template, scope: PartsScope): Promise<FilledPage> {
  if (template.holes.length === 0) return { body: template.text[0]!, holes: [], cached: 0, failed: 0 };
  let cached = 0;
  let failed = 0;
  const visitor = await scope.visitorScope();
  const render = async ({ component, args }: Template["holes"][number]): Promise<string> => {
    const node = exec.trace.start("hole", component);
    // Nothing kept is used for a visitor whose session ended (no scope), nor kept for them.
    const key = visitor === null || unkept.has(component) ? null : resultKeys.hole(exec.site.hasher.definitionHash(component) ?? component, args, visitor);
    const known = key === null ? null : await measured(metrics.hot, exec.stores.results.get(key, false), (v) => (v === null ? null : v.length));
    if (known !== null) {
      cached++;
      exec.trace.finish(node, "hit", "hot", key);
      return known;
    }
    const given: Value[] = [];
    for (const [k, v] of Object.entries(JSON.parse(args) as Record<string, unknown>)) given.push(Keyword.of(k), fromJson(v));
    const out = await exec.leaves.get<HoleJob, HoleRender>("hole").execute({ component, given });
    if (out.failed) {
      failed++;
      exec.trace.finish(node, "failed", "render", key);
      return out.html;
    }
    exec.trace.finish(node, "miss", "render", key);
    if (!out.calls.every((c) => exec.sessionReads.has(c.primitive) || exec.dataReads.has(c.primitive))) unkept.add(component);
    else if (key !== null && !out.degraded) {
      exec.defer(exec.stores.results.put(key, out.html, USER_TTL_S, false).catch((e: unknown) => console.warn(`hot tier: ${e instanceof Error ? e.message : String(e)}`)));
    }
    return out.html;
  };
  const holes = await Promise.all(template.holes.map(render));
  return { body: joinTemplate(template, holes), holes, cached, failed };
}
