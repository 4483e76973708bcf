/**
 * `(federated doc)`: a document another instance federated (see
 * @rose-ash/vocabulary's FEDERATED_PRIMITIVES), rendered inside the page
 * that asks. `doc` is a row of the query `federation document`: its
 * canonical `:source` and the `:definitions` it came with (`{:name :source
 * :hash :cid}`, verified when it was received).
 *
 * It is checked first (@rose-ash/federation's checkFederated): the document
 * with the federated policy (untrusted, and nothing that reads or writes
 * here) against the site's vocabulary and catalog, knowing the origin's
 * definitions the site lacks, and each of those. A problem (a document
 * stored when it passed that no longer does: the site's components or
 * catalog changed since) is never a render: the document shows a notice in
 * its place with the first problem's line and column, message and the
 * definition it is in, as a failure while it runs does (guest.ts), and the
 * page around it stands. Then the definitions used are made once, in a child
 * of the site's environment that holds only them: the site's own components
 * win (a remote component that calls `~card` gets the site's `~card` where
 * the site has one), and the document is evaluated there in the page's own
 * context under the policy's limits, like generated content (guest.ts). A
 * document with its definitions is checked, and its definitions made (or
 * its notice written), once per isolate.
 */
import { checkFederated } from "@rose-ash/federation";
import { EvalError, SexpError, createEnv, definitionName, evaluateForms, parse, policyLimits, sha3Hex, untrusted, type Env, type Loc, type Node, type Registry, type Value } from "@rose-ash/sexp";
import { FEDERATED_PRIMITIVES, defineVocabulary, type PrimitiveFn } from "@rose-ash/vocabulary";
import { catalogOf } from "./generated.ts";
import { guestFailure, renderGuest, siteOf } from "./guest.ts";

/** A document ready to render (its checked form, and the environment its definitions were made in), or the notice shown in its place. */
type Prepared = { readonly form: Node; readonly env: Env } | { readonly notice: Value };

/** One definition as the document's row carries it. */
export interface FederatedDefinition {
  readonly name: string;
  readonly source: string;
}

const prepared = new WeakMap<Env, Map<string, Prepared>>();
const KEEP = 256;
const limits = policyLimits(untrusted);

const federated: PrimitiveFn = ([doc], ctx) => {
  const { source, definitions } = documentOf(doc ?? null);
  const site = siteOf(ctx.env);
  let bySite = prepared.get(site);
  if (!bySite) prepared.set(site, (bySite = new Map()));
  const key = documentKey(source, definitions);
  let ready = bySite.get(key);
  if (ready === undefined) {
    ready = prepare(source, definitions, site);
    if (bySite.size >= KEEP) bySite.delete(bySite.keys().next().value!);
    bySite.set(key, ready);
  }
  return "notice" in ready ? ready.notice : renderGuest(ready.form, ready.env, limits, ctx);
};

/**
 * The document checked against the site, and the origin's definitions it
 * uses made; or, where either fails (a problem the check finds, a definition
 * that does not read or fails as it is made: language errors of the
 * document), the notice shown in its place. Anything else goes on up.
 */
function prepare(source: string, definitions: readonly FederatedDefinition[], site: Env): Prepared {
  try {
    const { form, used } = checked(source, definitions, site);
    return { form, env: made(used, site) };
  } catch (e) {
    return { notice: guestFailure(e) };
  }
}

/** The key of a document with its definitions: SHA3-256 over each source, named and length-framed (what the row claims is not trusted). */
export function documentKey(source: string, definitions: readonly FederatedDefinition[]): string {
  const fields = [source, ...definitions.flatMap((d) => [d.name, d.source])];
  return sha3Hex(fields.map((f) => `${f.length}:${f}`).join("\n"));
}

/**
 * The document checked against the site: its form and the origin's
 * definitions it uses. The first problem is thrown, at its position (in
 * the document, or in the definition it names: `(in ~name)`).
 */
function checked(source: string, definitions: readonly FederatedDefinition[], site: Env): { form: Node; used: Node[] } {
  const remote = new Map<string, Node>();
  for (const d of definitions) remote.set(d.name, definitionForm(d));
  const result = checkFederated({ source }, remote, { registry: site.registry, env: site, catalog: catalogOf(site) });
  const problem = result.problems[0];
  if (problem) {
    const document = problem.where === "document";
    const where = document ? "" : ` (in ${problem.where})`;
    const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : "";
    throw new EvalError(`federated: ${problem.message}${where}${more}`, at(document ? "<federated>" : problem.where, problem.line, problem.col));
  }
  if (result.form === null) throw new EvalError("federated: the source must be one form", at("<federated>", 1, 1));
  return { form: result.form, used: result.used };
}

/** A definition's one defining form, which must define the name it came under. */
function definitionForm(d: FederatedDefinition): Node {
  let forms: Node[];
  try {
    forms = parse(d.source, { src: d.name });
  } catch (e) {
    const loc = e instanceof SexpError ? e.loc : undefined;
    throw new EvalError(`federated: the definition of ${d.name} does not read: ${e instanceof Error ? e.message : String(e)}`, loc ?? at(d.name, 1, 1));
  }
  const form = forms.length === 1 ? forms[0]! : null;
  if (form === null || definitionName(form) !== d.name) throw new EvalError(`federated: the definition sent as ${d.name} is not one form defining it`, at(d.name, 1, 1));
  return form;
}

function at(src: string, line: number, col: number): Loc {
  return { src, line, col };
}

/** A child of the site's environment with the origin's definitions made in it (under the policy's limits; they do no I/O: the check refused it). */
function made(used: readonly Node[], site: Env): Env {
  const env = createEnv(site);
  const done = evaluateForms(used, env, { limits });
  if (done instanceof Promise) {
    done.catch(() => {});
    throw new EvalError("federated: the origin's definitions must be made without I/O");
  }
  return env;
}

/** `:source` and `:definitions` of the document's row (a map, or a row as the host gives it; the definitions a list, or its JSON text). */
export function documentOf(doc: Value): { source: string; definitions: FederatedDefinition[] } {
  const source = field(doc, "source");
  if (typeof source !== "string") throw new EvalError("federated: the document must be a row with :source, the s-expression text (a string)");
  let list: unknown = field(doc, "definitions");
  if (typeof list === "string") {
    try {
      list = JSON.parse(list);
    } catch {
      throw new EvalError("federated: :definitions is text that is not a JSON list");
    }
  }
  if (list === null || list === undefined) list = [];
  if (!Array.isArray(list)) throw new EvalError("federated: :definitions must be a list of {:name :source :hash :cid}");
  const definitions = list.map((d: unknown, i: number) => {
    const name = field(d, "name");
    const text = field(d, "source");
    if (typeof name !== "string" || typeof text !== "string") throw new EvalError(`federated: definition ${i + 1} must have :name and :source (strings)`);
    return { name, source: text };
  });
  return { source, definitions };
}

/** A field of a map or of a plain record (own properties only: nothing on a prototype). */
function field(v: unknown, name: string): unknown {
  if (v instanceof Map) return v.get(name) ?? null;
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return null;
  return Object.hasOwn(v, name) ? (v as Record<string, unknown>)[name] : null;
}

export function registerFederatedPrimitives(registry: Registry): void {
  defineVocabulary(registry, FEDERATED_PRIMITIVES, { federated });
}
