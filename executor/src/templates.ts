/**
 * Shared pages with holes. A user-scoped component in a shared render is an
 * HTML comment naming it and its keyword arguments (`holeMarker`); the page
 * is kept split at those comments, as UTF-8, so a hit encodes only what is
 * filled in per request (holes.ts).
 */
import { scriptJson, type Value } from "@rose-ash/sexp";
import { Lru } from "./lru.ts";

/**
 * Where a user-scoped component goes in a shared page: a comment naming the
 * component and its keyword arguments as JSON (which has no `>`, so it cannot
 * end the comment); null when they are not plain data, or there are children.
 */
export function holeMarker(component: string, names: readonly string[], values: readonly Value[]): string | null {
  if (values.length !== names.length) return null;
  const given = new Map<string, Value>();
  names.forEach((k, i) => given.set(k, values[i]!));
  try {
    return `<!--rose:hole ${component} ${scriptJson(given)}-->`;
  } catch {
    return null;
  }
}

const HOLE = /<!--rose:hole (~[^\s]+) (\{.*?\})-->/g;

/**
 * A page split at its holes: `text[i]`, hole i, `text[i + 1]`, ... The parts
 * are kept as (flat) strings: workerd writes a string body straight out as
 * UTF-8, which measured faster than handing it bytes encoded once (it copies
 * those).
 */
export interface Template {
  readonly text: readonly string[];
  readonly holes: readonly Hole[];
}

/** A hole: the component, and its arguments as the page has them (JSON). */
export interface Hole {
  readonly component: string;
  readonly args: string;
}

/** Shared pages split at their holes, by CID, in this isolate: bytes under a CID never change, and these were verified or made here. */
const templates = new Lru<Template>(32 * 1024 * 1024, (t) => t.text.reduce((n, p) => n + p.length, 0));

/** `html` split at its holes; kept when it is a shared page (`cid`). */
export function templateOf(html: string, cid: string | null): Template {
  let t = cid === null ? null : templates.get(cid);
  if (t) return t;
  const text: string[] = [];
  const holes: Hole[] = [];
  let last = 0;
  for (const m of html.matchAll(HOLE)) {
    text.push(flat(html.slice(last, m.index)));
    holes.push({ component: m[1]!, args: m[2]! });
    last = m.index! + m[0].length;
  }
  text.push(flat(html.slice(last)));
  t = { text, holes };
  if (cid !== null) templates.set(cid, t);
  return t;
}

/** A shared page this isolate already has split, by CID (null when it has not). */
export function knownTemplate(cid: string): Template | null {
  return templates.get(cid);
}

/** The page with what was filled into its holes. */
export function joinTemplate(template: Template, filled: readonly string[]): string {
  let body = template.text[0]!;
  for (let i = 0; i < filled.length; i++) body += filled[i]! + template.text[i + 1]!;
  return body;
}

/** A slice in a string of its own (not a view keeping the whole page alive, nor a rope). */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
