/**
 * What federated code may do on the instance that renders it. A document
 * from another instance arrives with its data (its text, its links): it lays
 * that out with elements and components, and reads and writes nothing here.
 * So on top of sexp's `untrusted` policy (no `raw!`, no script or style, no
 * definitions, no URLs that leave the site for htmx) every primitive of the
 * site that does I/O, reads who is asking, reads the clock or changes
 * something is refused by name: `query`, `frag`, `action`, `current-user`,
 * `render-media`, `now`. Nor may it send anything to this site: untrusted
 * allows forms and htmx requests to a literal path here, but a followed
 * server's post with a form to `/_sexp/federation/follow` would post there
 * at one click of a signed-in visitor; so the `form` element and the
 * `action`, `formaction`, `form` and writing `hx-*` attributes are refused
 * whatever their value. Calling the site's own components stays allowed,
 * even those that do I/O themselves: they are the site's trusted code, and
 * how the site re-styles what it receives (its `~post-article` over the
 * origin's).
 *
 * `checkFederated` decides which of the origin's definitions are used here
 * (only those the site lacks: local definitions win) and checks the
 * document and each of them before anything runs.
 */
import {
  parse,
  print,
  untrusted,
  definitionName,
  forEachSymbol,
  validateGenerated,
  type Catalog,
  type Env,
  type Node,
  type Policy,
  type PrimitiveTable,
} from "@rose-ash/sexp";

/** Why federated content may not call a primitive that does I/O here. */
export const ARRIVES_WITH_ITS_DATA = "federated content arrives with its data: it reads and writes nothing here";

/** Why federated content may not hold a form, or an attribute that sends a request: the start of each reason. */
export const SENDS_NOTHING = "federated content may not send anything to this site";

/** Elements refused in federated content beyond untrusted's, each with why. */
const SENDING_ELEMENTS: Readonly<Record<string, string>> = {
  form: `${SENDS_NOTHING}: a form sends what is in it here, as the visitor who submits it`,
};

/** Attributes refused in federated content whatever their value (`data-hx-*` too), each with why. */
const SENDING_ATTRIBUTES: Readonly<Record<string, string>> = {
  action: `${SENDS_NOTHING}: it says where a form sends what is in it`,
  formaction: `${SENDS_NOTHING}: it says where a button sends its form`,
  // <button form="id"> submits a form elsewhere on the page (the site's own), wherever the button stands.
  form: `${SENDS_NOTHING}: it joins a button or field to a form of the page, which it then sends`,
  ...Object.fromEntries(
    ["post", "put", "patch", "delete"].map((m) => [`hx-${m}`, `${SENDS_NOTHING}: it sends a ${m.toUpperCase()} request here, as the visitor who clicks`]),
  ),
};

const policies = new WeakMap<PrimitiveTable, Policy>();
const definitionPolicies = new WeakMap<PrimitiveTable, Policy>();

/**
 * The `untrusted` policy, named "federated", with every primitive of the
 * registry that does I/O or has an effect (user, write, volatile) refused by
 * name, and the `form` element and the attributes that send a request here
 * (`action`, `formaction`, `form`, `hx-post`, `hx-put`, `hx-patch`,
 * `hx-delete`) refused whatever their value. Made once per registry.
 */
export function federatedPolicy(registry: PrimitiveTable): Policy {
  let policy = policies.get(registry);
  if (policy === undefined) {
    const primitives: Record<string, string> = {};
    for (const p of registry.list()) if (p.meta.io || p.meta.effect !== null) primitives[p.name] = ARRIVES_WITH_ITS_DATA;
    // Where untrusted already says why more exactly (`generated`, `render-media`), its reason stands.
    policy = freeze({
      ...untrusted,
      name: "federated",
      primitives: { ...primitives, ...untrusted.primitives },
      elements: { ...untrusted.elements, ...SENDING_ELEMENTS },
      attributes: { ...untrusted.attributes, ...SENDING_ATTRIBUTES },
    });
    policies.set(registry, policy);
  }
  return policy;
}

/** The forms a definition of the origin is made with: allowed as the definition itself, never inside it. */
const DEFINING = ["define", "defcomp"] as const;

/** `federatedPolicy` for one of the origin's definitions: the defining form itself is allowed (anything nested in it is looked for apart). */
function definitionPolicy(registry: PrimitiveTable): Policy {
  let policy = definitionPolicies.get(registry);
  if (policy === undefined) {
    const base = federatedPolicy(registry);
    const forms: Record<string, string> = { ...base.forms };
    for (const f of DEFINING) delete forms[f];
    policy = freeze({ ...base, forms });
    definitionPolicies.set(registry, policy);
  }
  return policy;
}

/** A problem in federated code: where it is, and in what (`document`, or the name of one of the origin's definitions). */
export interface FederatedProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly where: string;
}

export interface FederatedCheck {
  /** The document's form; null when it does not read as one form (the problems say why). */
  readonly form: Node | null;
  /** The origin's defining forms that will be used here: those the document reaches that the site lacks, sorted by name. */
  readonly used: Node[];
  /** Everything that refuses the document, the document's first. */
  readonly problems: FederatedProblem[];
}

/** The site a federated document is rendered on. */
export interface FederatedSite {
  readonly registry: PrimitiveTable;
  /** The site's environment: its definitions win over the origin's. */
  readonly env: Env;
  /**
   * The catalog generated content is held to, as the site makes it for the
   * LLM Worker and `generated` (the router's `catalogOf`): the site's
   * components and queries it leaves out (told whose data to read, private)
   * are refused here too.
   */
  readonly catalog: Catalog;
}

/**
 * Check a federated document against the site, with the origin's verified
 * definitions: the document under `federatedPolicy`, knowing the origin's
 * definitions it uses, and each of those (with the same policy; only its own
 * defining form allowed). A definition the site has too is the site's: it is
 * neither used nor checked, since it never runs here. Positions in a
 * definition are in its canonical source (one line, as it federates).
 */
export function checkFederated(doc: { readonly source: string }, remote: ReadonlyMap<string, Node>, site: FederatedSite): FederatedCheck {
  const policy = federatedPolicy(site.registry);
  let forms: Node[] = [];
  try {
    forms = parse(doc.source, { src: "<federated>", maxDepth: policy.limits.maxNesting ?? undefined });
  } catch {
    // validateGenerated reports it, with its position.
  }
  const used = usedDefinitions(forms, remote, site.env);
  const { catalog } = site;
  const result = validateGenerated(doc.source, { registry: site.registry, env: site.env, policy, lib: used, catalog, src: "<federated>" });
  const problems: FederatedProblem[] = result.problems.map((p) => ({ ...p, where: "document" }));
  for (const def of used) problems.push(...definitionProblems(def, used, site));
  return { form: result.forms.length === 1 ? result.forms[0]! : null, used, problems };
}

/**
 * Check one of the origin's definitions published on its own (a component
 * an instance announces) as `checkFederated` checks those a document uses:
 * it, and the origin's definitions it reaches that the site lacks. It is
 * checked even where the site has its own (which then wins wherever it is
 * called): what is kept is what would pass if it were used. `used` is the
 * origin's definitions it needs here, itself first where the site lacks it.
 */
export function checkFederatedDefinition(def: Node, remote: ReadonlyMap<string, Node>, site: FederatedSite): FederatedCheck {
  const name = definitionName(def);
  const others = new Map([...remote].filter(([n]) => n !== name));
  const needs = usedDefinitions([def], others, site.env);
  const all = [def, ...needs];
  const problems = all.flatMap((d) => definitionProblems(d, all, site));
  return { form: def, used: site.env.lookup(name ?? "") === undefined ? all : needs, problems };
}

/** What refuses one of the origin's definitions here, known beside the others it comes with (`lib`, which may hold it too). */
export function definitionProblems(def: Node, lib: readonly Node[], site: FederatedSite): FederatedProblem[] {
  const name = definitionName(def) ?? "definition";
  const policy = federatedPolicy(site.registry);
  const checked = validateGenerated(print(def), {
    registry: site.registry,
    env: site.env,
    policy: definitionPolicy(site.registry),
    lib: lib.filter((d) => d !== def),
    catalog: site.catalog,
    src: name,
  });
  return [...checked.problems, ...nestedDefinitions(checked.forms[0], policy)].map((p) => ({ ...p, where: name }));
}

/**
 * The origin's defining forms reached from the forms, following only
 * definitions the site lacks (a name the site's environment resolves, a
 * primitive included, is the site's), sorted by name.
 */
function usedDefinitions(forms: readonly Node[], remote: ReadonlyMap<string, Node>, env: Env): Node[] {
  const used = new Map<string, Node>();
  const pending: Node[] = [...forms];
  for (let n = pending.pop(); n !== undefined; n = pending.pop()) {
    forEachSymbol(n, (name) => {
      const def = remote.get(name);
      if (def === undefined || used.has(name) || env.lookup(name) !== undefined || definitionName(def) !== name) return;
      used.set(name, def);
      pending.push(def);
    });
  }
  return [...used.keys()].sort(compareNames).map((name) => used.get(name)!);
}

/** Defining forms inside a definition (which would define globals here when it runs), outside `quote`. */
function nestedDefinitions(def: Node | undefined, policy: Policy): { line: number; col: number; message: string }[] {
  const out: { line: number; col: number; message: string }[] = [];
  if (def?.kind !== "list") return out;
  const pending = def.value.slice(1);
  for (let n = pending.pop(); n !== undefined; n = pending.pop()) {
    if (n.kind === "map") pending.push(...n.value);
    if (n.kind !== "list") continue;
    const head = n.value[0];
    if (head?.kind === "sym" && head.value === "quote") continue;
    if (head?.kind === "sym" && (DEFINING as readonly string[]).includes(head.value)) {
      out.push({ line: n.line, col: n.col, message: `(${head.value} ...) is not allowed inside a definition in ${policy.name} content: ${policy.forms[head.value]}` });
    }
    pending.push(...n.value);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function freeze(policy: Policy): Policy {
  for (const v of Object.values(policy)) if (typeof v === "object" && v !== null) Object.freeze(v);
  return Object.freeze(policy);
}
