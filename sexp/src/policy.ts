/**
 * Checker policies, as plain data: what `check` refuses beyond the
 * language's own rules, and the limits evaluation runs under.
 *
 * - `app`: the application's own code; the language's rules and nothing more.
 * - `untrusted`: LLM-written and federated content. It may lay out data with
 *   the elements, primitives and components it is given, but not define
 *   anything, change data, put unescaped text into the page, run script,
 *   embed other pages, restyle the page with URLs, or send htmx requests
 *   (or forms) off the site.
 *
 * Every rule is checked statically by `check` (nothing a policy refuses is
 * left to run time); the step, depth and output limits are for the host to
 * pass to evaluation (`policyLimits`). The functions below are the rules:
 * each says what is wrong with one thing, every message written here once.
 */
import type { Effects } from "./analyze.ts";
import { isSafeUrl } from "./escape.ts";
import { DEFAULT_LIMITS, type Limits, type PrimitiveEffect } from "./runtime.ts";
import type { Node } from "./types.ts";

export interface PolicyLimits extends Limits {
  /** UTF-8 bytes of source (of parsed forms: of their canonical print); null for none. */
  readonly maxSourceBytes: number | null;
  /** Levels of nested lists and maps; null for none beyond the reader's own. */
  readonly maxNesting: number | null;
}

export interface Policy {
  readonly name: string;
  /** Special forms refused wherever they stand, each with why. */
  readonly forms: Readonly<Record<string, string>>;
  /** Primitives refused by their registry effect, each with why: any use (a call, or the function as a value). */
  readonly effects: Readonly<Partial<Record<PrimitiveEffect, string>>>;
  /** Primitives refused by name, each with why (a host's that only its own code may use). */
  readonly primitives: Readonly<Record<string, string>>;
  /** Elements refused (lowercase), each with why; a head symbol of that name in another case is refused too. */
  readonly elements: Readonly<Record<string, string>>;
  /** Refuse every attribute that can run script (`attributeKind` "script": `on*`, `srcdoc`, `hx-on*`, `hx-vals`, ...), even a literal. */
  readonly scriptAttributes: boolean;
  /** Attributes refused whatever their value (lowercase; `data-hx-*` read as `hx-*`), each with why. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Attributes (lowercase; `data-hx-*` read as `hx-*`) whose value must be a
   * literal path on this site, each with the other literal values it may take.
   */
  readonly sameOrigin: Readonly<Record<string, readonly string[]>>;
  /** Attributes holding several URLs (`srcset`, `ping`): a literal, every URL in it safe. */
  readonly urlLists: readonly string[];
  /** The `style` attribute: a literal only, without anything that loads a URL or runs script. */
  readonly literalStyle: boolean;
  readonly limits: PolicyLimits;
}

/** The application's own code: the language's rules, nothing more. */
export const app: Policy = deepFreeze({
  name: "app",
  forms: {},
  effects: {},
  primitives: {},
  elements: {},
  scriptAttributes: false,
  attributes: {},
  sameOrigin: {},
  urlLists: [],
  literalStyle: false,
  limits: { ...DEFAULT_LIMITS, maxSourceBytes: null, maxNesting: null },
});

const DEFINES = "it may use the definitions it is given, not make its own";
const EMBEDS = "it embeds another page or plugin";
const NOT_A_PATH = ["true", "false"];

/** LLM-written and federated content. */
export const untrusted: Policy = deepFreeze({
  name: "untrusted",
  forms: {
    "raw!": "it puts text into the page as markup, unescaped",
    defer: "it has the site send part of the page later, moved into place by a script; content is rendered whole",
    define: DEFINES,
    defcomp: DEFINES,
    defroute: DEFINES,
    defquery: DEFINES,
    defaction: DEFINES,
  },
  effects: { write: "it changes data" },
  // The host's way to render untrusted content (the site's `generated`): nested, it would escape this content's limits.
  primitives: {
    generated: "it renders other generated content, outside this content's limits: write the content itself",
    // The host's way to render another instance's documents (the site's `federated`): the same, for federated content.
    federated: "it renders a federated document, outside this content's limits: write the content itself",
    // Each new recipe is a job for the site's render service: only the site's own pages queue them.
    "render-media": "it queues work on the site's render service: show media the site has rendered (named-media)",
    // The app's legacy templates (the Jinja bridge): their markup goes into the page unchecked.
    jinja: "it puts one of the app's templates into the page as markup, unchecked: write the markup itself",
  },
  elements: {
    script: "it runs script",
    style: "a stylesheet restyles the whole page and loads URLs",
    iframe: EMBEDS,
    frame: EMBEDS,
    frameset: EMBEDS,
    object: EMBEDS,
    embed: EMBEDS,
    base: "it changes where every link on the page goes",
    meta: "it can redirect or reconfigure the page",
    link: "it loads stylesheets and other resources into the page",
  },
  scriptAttributes: true,
  attributes: {},
  sameOrigin: {
    "hx-get": [],
    "hx-post": [],
    "hx-put": [],
    "hx-patch": [],
    "hx-delete": [],
    "hx-push-url": NOT_A_PATH,
    "hx-replace-url": NOT_A_PATH,
    action: [],
    formaction: [],
  },
  urlLists: ["srcset", "imagesrcset", "ping", "archive"],
  literalStyle: true,
  limits: { maxSourceBytes: 64 * 1024, maxNesting: 64, maxSteps: 200_000, maxDepth: 100, maxOutput: 1024 * 1024 },
});

/** The limits a host passes to evaluation (`RunOptions.limits`, `EvalContext`) for content checked under `policy`. */
export function policyLimits(policy: Policy): Limits {
  const { maxSteps, maxDepth, maxOutput } = policy.limits;
  return { maxSteps, maxDepth, maxOutput };
}

function refused(policy: Policy, what: string, why: string): string {
  return `${what} is not allowed in ${policy.name} content: ${why}`;
}

/** What is wrong with a special form here, or null. */
export function formRefusal(policy: Policy, form: string): string | null {
  const why = own(policy.forms, form);
  return why === undefined ? null : refused(policy, `(${form} ...)`, why);
}

/** What is wrong with an element (or a head symbol named like one), or null. */
export function elementRefusal(policy: Policy, name: string): string | null {
  const tag = name.toLowerCase();
  const why = own(policy.elements, tag);
  return why === undefined ? null : refused(policy, `<${tag}>`, why);
}

/** What is wrong with using this primitive (by its name, or its effect), or null. */
export function primitiveRefusal(policy: Policy, name: string, effect: PrimitiveEffect | null): string | null {
  const why = own(policy.primitives, name) ?? (effect === null ? undefined : own(policy.effects, effect));
  return why === undefined ? null : refused(policy, name, why);
}

/** What is wrong with using a definition (a library's function or component) that has these effects, or null. */
export function definitionRefusal(policy: Policy, name: string, effects: Effects): string | null {
  for (const [effect, why] of Object.entries(policy.effects)) {
    if (effects[effect as PrimitiveEffect]) return refused(policy, name, `${why} (through what it calls)`);
  }
  return null;
}

/** What is wrong with an attribute, at its name (`key`) or its value; null when nothing is. */
export function attributeRefusal(
  policy: Policy,
  a: { readonly name: string; readonly value: Node; readonly key: Node; readonly kind: "script" | "url" | "data" },
): { readonly message: string; readonly at: Node } | null {
  const lower = a.name.toLowerCase();
  if (policy.scriptAttributes && a.kind === "script") {
    return { message: refused(policy, `:${a.name}`, "it can run script, even as a literal"), at: a.key };
  }
  const htmx = lower.startsWith("data-hx-") ? lower.slice(5) : lower;
  const why = own(policy.attributes, htmx);
  if (why !== undefined) return { message: refused(policy, `:${a.name}`, why), at: a.key };
  // A computed value (undefined) is refused wherever a rule needs a literal; null renders no attribute.
  const value = literalValue(a.value);
  const path = own(policy.sameOrigin, htmx);
  if (path !== undefined && value !== null && (value === undefined || (!isSameOriginPath(value) && !path.includes(value)))) {
    const or = path.length ? `, or one of ${path.map((p) => `"${p}"`).join(", ")}` : "";
    return { message: `:${a.name} in ${policy.name} content must be a literal path on this site, like "/cart/add" (not a full URL or "//host")${or}`, at: a.value };
  }
  if (policy.urlLists.includes(lower) && value !== null && (value === undefined || !urlList(value).every(isSafeUrl))) {
    return { message: `:${a.name} in ${policy.name} content must be a literal, every URL in it safe (no javascript:, vbscript: or non-image data:)`, at: a.value };
  }
  if (policy.literalStyle && lower === "style" && value !== null && (value === undefined || UNSAFE_STYLE.test(value))) {
    return { message: `:${a.name} in ${policy.name} content must be a literal without url(), image-set(), CSS escapes, expression() or @import`, at: a.value };
  }
  return null;
}

/** What is wrong with the size of the source, or null. */
export function sourceRefusal(policy: Policy, bytes: number): string | null {
  const max = policy.limits.maxSourceBytes;
  return max !== null && bytes > max ? `the source is ${bytes} bytes, more than the ${policy.name} limit of ${max}` : null;
}

/** The first node nested deeper than the policy allows, with what is wrong; null when none is. */
export function nestingRefusal(policy: Policy, forms: readonly Node[]): { readonly message: string; readonly at: Node } | null {
  const max = policy.limits.maxNesting;
  if (max === null) return null;
  const pending: [Node, number][] = forms.map((f) => [f, 1]);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [n, level] = next;
    if (n.kind !== "list" && n.kind !== "map") continue;
    if (level > max) return { message: `nested more than ${max} levels deep (the ${policy.name} limit)`, at: n };
    for (const c of n.value) pending.push([c, level + 1]);
  }
  return null;
}

/**
 * What a literal attribute value renders as: the text of a string, keyword
 * or number, "" for `true` (a bare attribute), null for `nil`/`false` (no
 * attribute); undefined for a computed value.
 */
function literalValue(n: Node): string | null | undefined {
  switch (n.kind) {
    case "str":
    case "kw":
      return n.value;
    case "num":
      return String(n.value);
    case "bool":
      return n.value ? "" : null;
    case "nil":
      return null;
    default:
      return undefined;
  }
}

/**
 * A path on this site as the browser reads it: ASCII tab and newlines are
 * dropped anywhere, C0 controls and spaces at the ends; then it starts with
 * `/` and not `//` or `/\` (which browsers read as another host).
 */
export function isSameOriginPath(url: string): boolean {
  const s = url.replace(/[\t\n\r]/g, "").replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, "");
  return s.startsWith("/") && s[1] !== "/" && s[1] !== "\\";
}

/** The URLs of a `srcset` (comma-separated, each with a descriptor) or `ping` (space-separated), descriptors too. */
function urlList(text: string): string[] {
  return text.split(/[,\s]+/).filter(Boolean);
}

/** What loads a URL or runs script from a style attribute (or hides it: a CSS escape). */
const UNSAFE_STYLE = /url\(|image-set\(|image\(|\\|expression|-moz-binding|behavior|@import|javascript:/i;

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
