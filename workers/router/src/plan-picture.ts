/**
 * `/_sexp/plan?path=...`: a page's DAG, drawn as SVG. Its shape comes from
 * the site itself: the route, the components it reaches (user-scoped ones
 * are holes, `:cache` ones are kept by input key), and the queries and
 * fragments they name, and the media they embed (each media node of the
 * last request with its key). Each node is marked with what the executor did with
 * it the last time this isolate resolved the page: its kind, a short key,
 * the tier that answered, hit or miss, and the time. A page not resolved here
 * yet is resolved now, as an anonymous GET.
 */
import { Component, Html, escapeHtml, type Node } from "@rose-ash/sexp";
import { Executor, isHole, pageName, type Trace, type TraceNode } from "@rose-ash/executor";
import type { Db } from "@rose-ash/resolver";
import type { Defer, WorkerEnv } from "./env.ts";
import { renderingMissing } from "./media/jobs.ts";
import { executorFor, readForm, requestContext, type RouteJob, type RouteRender } from "./render.ts";
import { matchRoute } from "./routes.ts";
import type { Site } from "./site.ts";

/** A node of the page's shape. */
interface Shape {
  readonly kind: "route" | "component" | "hole" | "query" | "fragment" | "media";
  readonly label: string;
  readonly note: string;
  /** The executor makes a node of it (holes, `:cache` components, I/O); other components are part of their caller's render. */
  readonly traced: boolean;
  readonly children: Shape[];
  /** The one trace node it stands for (a media node of the last request), when it is one. */
  readonly node?: TraceNode;
}

export async function planPicture(s: Site, url: URL, env: WorkerEnv, dbs: Db[], defer: Defer): Promise<Html> {
  const match = matchRoute(s.routes, "GET", url.pathname);
  if (!match) return new Html(`<p class="empty">No route serves <code>${escapeHtml(url.pathname)}</code>.</p>`);
  const route = match.route;
  const page = s.pageOf(route, url, false, renderingMissing(env) === null);
  let trace = Executor.lastTrace(page);
  if (!trace) {
    const request = new Request(url);
    const shared = s.routeIsShared(route, "GET");
    const io = requestContext(s, request, env, dbs, await readForm(request), shared);
    const exec = executorFor(s, io, env, defer);
    await exec.resolvePage<RouteJob, RouteRender>({ page, shared, mode: "serve", fresh: false, match });
    trace = exec.trace;
  }
  const root: Shape = { kind: "route", label: route.pattern, note: `${route.method} · key ${page.route}`, traced: true, children: shapeOf(s, route.body, new Set()) };
  return new Html(draw(root, trace, pageName(page)));
}

/** The components and I/O calls `forms` reach (functions are looked through; each component once per parent). */
function shapeOf(s: Site, forms: readonly Node[], seen: ReadonlySet<string>): Shape[] {
  const out: Shape[] = [];
  const named = new Set<string>();
  const definitions = s.app.env.allDefinitions();
  const visit = (n: Node, within: ReadonlySet<string>): void => {
    if (n.kind !== "list") {
      if (n.kind === "map") n.value.forEach((x) => visit(x, within));
      if (n.kind === "sym" && !within.has(n.value) && definitions.has(n.value) && !n.value.startsWith("~")) {
        // A function: what it reaches, as if written here.
        const f = definitions.get(n.value)!;
        if (f.kind === "list") f.value.slice(2).forEach((x) => visit(x, new Set([...within, n.value])));
      }
      return;
    }
    const [head, a, b] = n.value;
    if (head?.kind === "sym" && head.value === "quote") return;
    if (head?.kind === "sym" && (head.value === "query" || head.value === "frag") && a?.kind === "sym" && b?.kind === "sym") {
      const label = `${a.value}/${b.value}`;
      const kind = head.value === "query" ? "query" : "fragment";
      if (!named.has(`${kind} ${label}`)) out.push({ kind, label, note: kind === "query" ? "resolver, one statement a wave" : "rendered by its service", traced: true, children: [] });
      named.add(`${kind} ${label}`);
    } else if (head?.kind === "sym" && (head.value === "render-media" || head.value === "named-media")) {
      const name = head.value === "named-media" && a?.kind === "str" ? a.value : null;
      if (!named.has(`media ${name ?? head.value}`)) out.push({ kind: "media", label: name ?? head.value, note: name ? "a named render's pointer" : "recipe → its media:<key> pointer", traced: true, children: [] });
      named.add(`media ${name ?? head.value}`);
    } else if (head?.kind === "sym" && head.value.startsWith("~") && definitions.has(head.value) && !named.has(head.value)) {
      named.add(head.value);
      const def = definitions.get(head.value)!;
      const effects = s.analysis.of(head.value);
      const hole = effects !== undefined && isHole(effects);
      const fn = s.app.env.lookup(head.value);
      const cached = fn instanceof Component && fn.cache;
      const note = hole ? "hole: filled per visitor" : cached ? ":cache, by input key" : effects?.deep.io ? "does I/O" : "pure";
      const body = def.kind === "list" ? def.value.slice(2) : [];
      out.push({ kind: hole ? "hole" : "component", label: head.value, note, traced: hole || cached, children: seen.has(head.value) ? [] : shapeOf(s, body, new Set([...seen, head.value])) });
    }
    for (const x of n.value) visit(x, within);
  };
  for (const f of forms) visit(f, new Set());
  return out;
}

const BOX_W = 250;
const BOX_H = 58;
const GAP_X = 40;
const GAP_Y = 14;

const COLOURS: Record<string, string> = { hit: "#e3f1e6", miss: "#fdecd2", pending: "#fff4c2", stale: "#eee4f7", bypass: "#eeeeee", ran: "#e6eefb", failed: "#f9d6d6", none: "#ffffff" };

/** The media nodes of the last request under a `render-media` call, each a box of its own (a few; the rest counted). */
const MEDIA_SHOWN = 8;

function mediaNodes(shape: Shape, trace: Trace): Shape[] {
  if (shape.kind !== "media" || shape.label !== "render-media") return [];
  const nodes = trace.nodes.filter((n) => n.kind === "media" && n.key?.startsWith("media:"));
  const shown: Shape[] = nodes.slice(0, MEDIA_SHOWN).map((n) => ({ kind: "media", label: n.label, note: `media:${short(n.key!.slice("media:".length))}`, traced: true, children: [], node: n }));
  if (nodes.length > MEDIA_SHOWN) shown.push({ kind: "media", label: `and ${nodes.length - MEDIA_SHOWN} more`, note: "", traced: false, children: [] });
  return shown;
}

/** What the trace says about a shape node: how many times it ran, and how. */
function marks(shape: Shape, trace: Trace, pointer: string): { state: string; text: string } {
  if (!shape.traced) {
    const page = trace.nodes.find((n) => n.kind === "page" && n.key === pointer);
    const state = page?.state ?? "none";
    return { state, text: state === "hit" || state === "stale" ? "in the page's stored bytes" : "rendered with the page" };
  }
  const nodes = shape.node
    ? [shape.node]
    : shape.kind === "route"
      ? trace.nodes.filter((n) => n.kind === "page" && n.key === pointer)
      : shape.kind === "media" && shape.label === "render-media"
        ? trace.nodes.filter((n) => n.kind === "media" && n.key?.startsWith("media:"))
        : trace.nodes.filter((n) => n.label === shape.label && sameKind(n, shape));
  if (nodes.length === 0) return { state: "none", text: shape.kind === "route" ? "not resolved here" : "not run on the last request" };
  const last = nodes[nodes.length - 1]!;
  const states = new Map<string, number>();
  for (const n of nodes) states.set(n.state ?? "?", (states.get(n.state ?? "?") ?? 0) + 1);
  const ms = nodes.reduce((t, n) => t + n.ms, 0);
  const key = last.key ? ` · ${short(last.key)}` : "";
  const counts = nodes.length === 1 ? last.state : [...states].map(([st, k]) => `${k} ${st}`).join(", ");
  return { state: last.state ?? "none", text: `${counts} · ${last.tier ?? "–"}${key} · ${ms} ms` };
}

function sameKind(n: TraceNode, shape: Shape): boolean {
  return shape.kind === "hole" ? n.kind === "hole" || n.kind === "component" : n.kind === shape.kind;
}

/** The part of a key that tells keys apart at a glance. */
function short(key: string): string {
  const k = key.replace(/^(shared|user:[^:]+):/, "").replace(/^page:/, "");
  return k.length > 14 ? `${k.slice(0, 12)}…` : k;
}

function draw(root: Shape, trace: Trace, pointer: string): string {
  const boxes: string[] = [];
  const edges: string[] = [];
  let row = 0;
  const place = (shape: Shape, depth: number): { x: number; y: number } => {
    const x = 10 + depth * (BOX_W + GAP_X);
    const y = 10 + row++ * (BOX_H + GAP_Y);
    const m = marks(shape, trace, pointer);
    boxes.push(
      `<g class="node ${shape.kind}"><rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${COLOURS[m.state] ?? COLOURS.none}" stroke="#b9aea7"/>` +
        `<text x="${x + 10}" y="${y + 18}" font-weight="600">${escapeHtml(shape.kind)} ${escapeHtml(clip(shape.label, 26))}</text>` +
        `<text x="${x + 10}" y="${y + 34}" fill="#6f625c">${escapeHtml(clip(shape.note, 36))}</text>` +
        `<text x="${x + 10}" y="${y + 50}">${escapeHtml(clip(m.text, 38))}</text></g>`,
    );
    for (const child of [...shape.children, ...mediaNodes(shape, trace)]) {
      const at = place(child, depth + 1);
      edges.push(`<path d="M${x + BOX_W} ${y + BOX_H / 2} C${x + BOX_W + GAP_X / 2} ${y + BOX_H / 2} ${at.x - GAP_X / 2} ${at.y + BOX_H / 2} ${at.x} ${at.y + BOX_H / 2}" fill="none" stroke="#b9aea7"/>`);
    }
    return { x, y };
  };
  place(root, 0);
  const depth = (s: Shape): number => 1 + Math.max(s.kind === "media" && s.label === "render-media" ? 1 : 0, ...s.children.map(depth));
  const width = 20 + depth(root) * (BOX_W + GAP_X);
  const height = 20 + row * (BOX_H + GAP_Y);
  const legend = Object.entries(COLOURS)
    .map(([k, c]) => `<span class="legend"><svg width="12" height="12"><rect width="12" height="12" fill="${c}" stroke="#b9aea7"/></svg> ${k === "none" ? "not run" : k}</span>`)
    .join(" ");
  return (
    `<p class="note">Resolved ${escapeHtml(trace.at)} in this isolate. ${legend}</p>` +
    `<div class="table-scroll"><svg xmlns="http://www.w3.org/2000/svg" class="plan" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="The page's plan">` +
    edges.join("") +
    boxes.join("") +
    `</svg></div>`
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
