/**
 * Content hashing. An expression's key is SHA3-256 over its canonical form
 * (the printer's output, so layout and comments never matter), the engine
 * version, and — Merkle style — the hashes of the definitions it references,
 * so changing `~card` changes the key of every page that uses it, directly or
 * through other components.
 *
 * Definitions may be recursive or mutually recursive, so a definition's hash
 * cannot simply be "its form plus its dependencies' hashes". The reference
 * graph is split into strongly connected components (Tarjan); each component
 * is hashed as a unit (its members' forms plus the hashes of what it uses
 * outside itself), and a member's hash is H(component hash, member name)
 * (for a component of one definition, simply the component hash).
 *
 * SHA3 comes from @noble/hashes (pure JS): Workers' WebCrypto has no SHA3.
 */
import { HTML_TAGS } from "./html-tags.ts";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { definitionName } from "./forms.ts";
import { EvalError } from "./errors.ts";
import { print, printValue } from "./printer.ts";
import { isCallable, type Callable, type Node, type Value } from "./types.ts";

/** Mixed into every Merkle hash: bump it when evaluation or rendering changes output. */
export const ENGINE_VERSION = "rose-ash-sexp/1";

/** A hash function over bytes (SHA3-256 unless a test injects a counting one). */
export type Digest = (data: Uint8Array) => Uint8Array;

const sha3: Digest = (data) => sha3_256(data);

/** SHA3-256 of a string's UTF-8 bytes, as 64 lowercase hex digits. */
export function sha3Hex(text: string): string {
  return bytesToHex(sha3_256(utf8ToBytes(text)));
}

const contentHashes = new WeakMap<Node, string>();

/**
 * SHA3-256 of the node's canonical form alone (no definitions, no engine
 * version). Memoized per node object: syntax trees are never mutated.
 */
export function contentHash(n: Node): string {
  let h = contentHashes.get(n);
  if (h === undefined) contentHashes.set(n, (h = sha3Hex(print(n))));
  return h;
}

/**
 * Hash of a runtime value (data substituted into a key): SHA3-256 of its
 * canonical text, so a value hashes like its literal (`"a"`, `(1 2)`, `{:k 1}`).
 * Functions have no content-addressable text (`#<lambda f>`), so they are
 * refused rather than letting two different closures share a key.
 * Map entries are hashed in their order; equal maps built in different orders
 * get different (never wrongly equal) hashes.
 */
export function hashValue(v: Value): string {
  assertHashable(v);
  return sha3Hex(printValue(v));
}

function assertHashable(v: Value): void {
  const fn = callableIn(v);
  if (fn) throw new EvalError(`cannot hash a ${fn.callableKind} (${fn.name}): only data has a content hash`);
}

/** The first function inside a value (which has no content to hash), or null when it is all data. */
export function callableIn(v: Value): Callable | null {
  if (v === null || typeof v !== "object") return null;
  if (isCallable(v)) return v;
  const items = Array.isArray(v) ? (v as readonly Value[]) : v instanceof Map ? v.values() : [];
  for (const x of items) {
    const fn = callableIn(x);
    if (fn) return fn;
  }
  return null;
}

/** Every symbol of code, outside `quote` (which is data). */
export function forEachSymbol(n: Node, visit: (name: string) => void): void {
  if (n.kind === "sym") return visit(n.value);
  if (n.kind !== "list" && n.kind !== "map") return;
  let from = 0;
  if (n.kind === "list" && n.value[0]?.kind === "sym") {
    const head = n.value[0].value;
    if (head === "quote") return;
    // An HTML tag at the head is always an element, never a reference (`(header ...)` is not the `header` primitive).
    if (HTML_TAGS.has(head)) from = 1;
  }
  for (let i = from; i < n.value.length; i++) forEachSymbol(n.value[i]!, visit);
}

/**
 * The definitions table of a list of top-level forms: name -> defining form,
 * a later definition replacing an earlier one (as evaluation in order would).
 */
export function definitionsOf(forms: readonly Node[]): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const f of forms) {
    const name = definitionName(f);
    if (name !== null) out.set(name, f);
  }
  return out;
}

export interface HasherOptions {
  /** Defaults to ENGINE_VERSION; a different version changes every hash. */
  engineVersion?: string;
  /** Defaults to SHA3-256; injectable so tests can count digests. */
  digest?: Digest;
}

/**
 * Merkle hashing against one definitions table (what `Env.allDefinitions()`
 * or `definitionsOf(forms)` returns). Hashes are memoized per node and per
 * definition; the table must not change while the Hasher is in use (build a
 * new Hasher for a new table — unchanged nodes still reuse `contentHash`).
 */
export class Hasher {
  readonly engineVersion: string;
  private readonly digest: Digest;
  private readonly nodeHashes = new WeakMap<Node, string>();
  private readonly nodeRefs = new WeakMap<Node, readonly string[]>();
  /** Finished definitions: name -> member hash. */
  private readonly defHashes = new Map<string, string>();

  constructor(
    readonly definitions: ReadonlyMap<string, Node>,
    options: HasherOptions = {},
  ) {
    this.engineVersion = options.engineVersion ?? ENGINE_VERSION;
    this.digest = options.digest ?? sha3;
  }

  /**
   * The Merkle hash of an expression: engine version, canonical form, and the
   * name and hash of every definition it references, sorted by name.
   */
  hash(n: Node): string {
    let h = this.nodeHashes.get(n);
    if (h !== undefined) return h;
    const parts = ["expr", print(n)];
    this.pushRefs(parts, this.references(n));
    h = this.h(parts);
    this.nodeHashes.set(n, h);
    return h;
  }

  /** The hash of a definition in the table, or undefined for an unknown name. */
  definitionHash(name: string): string | undefined {
    if (!this.definitions.has(name)) return undefined;
    this.resolve(name);
    return this.defHashes.get(name)!;
  }

  /**
   * The definitions a node references, sorted: every symbol outside `quote`
   * that names a definition in the table. This over-approximates (a local
   * variable that shares a global's name counts), which can only cost a cache
   * hit, never serve stale output.
   */
  references(n: Node): readonly string[] {
    let refs = this.nodeRefs.get(n);
    if (refs === undefined) {
      const found = new Set<string>();
      forEachSymbol(n, (name) => void (this.definitions.has(name) && found.add(name)));
      refs = [...found].sort(compareNames);
      this.nodeRefs.set(n, refs);
    }
    return refs;
  }

  /** Append `count, (name, hash)*` for references whose hashes are all available. */
  private pushRefs(parts: string[], names: readonly string[]): void {
    parts.push(String(names.length));
    for (const name of names) parts.push(name, this.definitionHash(name)!);
  }

  /**
   * Hash every definition reachable from `root` that is not hashed yet, one
   * strongly connected component at a time. Iterative Tarjan: components come
   * out dependencies first, so each can be hashed as soon as it is complete.
   */
  private resolve(root: string): void {
    if (this.defHashes.has(root)) return;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const work: { name: string; refs: readonly string[]; next: number }[] = [];
    let counter = 0;
    const visit = (name: string): void => {
      index.set(name, counter);
      low.set(name, counter);
      counter++;
      stack.push(name);
      onStack.add(name);
      work.push({ name, refs: this.references(this.definitions.get(name)!), next: 0 });
    };
    visit(root);
    while (work.length) {
      const top = work[work.length - 1]!;
      if (top.next < top.refs.length) {
        const w = top.refs[top.next++]!;
        if (this.defHashes.has(w)) continue; // finished in an earlier run
        if (!index.has(w)) visit(w);
        else if (onStack.has(w)) low.set(top.name, Math.min(low.get(top.name)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.name, Math.min(low.get(parent.name)!, low.get(top.name)!));
      if (low.get(top.name) === index.get(top.name)) {
        const members: string[] = [];
        let m: string;
        do {
          m = stack.pop()!;
          onStack.delete(m);
          members.push(m);
        } while (m !== top.name);
        this.hashComponent(members);
      }
    }
  }

  /**
   * A component's hash covers its members (name and canonical form, sorted by
   * name) and the definitions they use outside it (name and hash, sorted).
   */
  private hashComponent(members: string[]): void {
    members.sort(compareNames);
    const inside = new Set(members);
    const outside = new Set<string>();
    const parts = ["scc", String(members.length)];
    for (const name of members) {
      const form = this.definitions.get(name)!;
      parts.push(name, print(form));
      for (const r of this.references(form)) if (!inside.has(r)) outside.add(r);
    }
    this.pushRefs(parts, [...outside].sort(compareNames));
    const component = this.h(parts);
    // A lone definition's component hash already names it: use it as is and
    // save a digest (SHA3 in JS costs microseconds). Members of a cycle are
    // told apart by name.
    if (members.length === 1) this.defHashes.set(members[0]!, component);
    else for (const name of members) this.defHashes.set(name, this.h(["member", component, name]));
  }

  /**
   * Digest of the engine version and the fields, each prefixed with its length
   * (in UTF-16 code units) so no two field lists frame to the same text.
   */
  h(fields: readonly string[]): string {
    let text = this.engineVersion.length + ":" + this.engineVersion;
    for (const f of fields) text += "\n" + f.length + ":" + f;
    return bytesToHex(this.digest(utf8ToBytes(text)));
  }
}

// Code-unit order, independent of locale.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
