/**
 * A federated document: an s-expression (a page, a post, a component) as one
 * instance publishes it and another verifies it. It travels as its
 * canonical source (the printer's normal form: layout and comments do not
 * matter), that source's CID (CIDv1 of its UTF-8 bytes, so any IPFS gateway
 * can verify it) and its language hash (Merkle over the definitions it
 * references and the engine version, sexp's `Hasher`), with every definition
 * it references, directly or through others, described the same way.
 *
 * The receiver trusts none of it: `verifyDocument` recomputes every CID from
 * its source and the hash from the source and the definitions received, and
 * refuses (`FederationRefusal`) anything that does not match, so what is
 * rendered is exactly what the origin hashed.
 */
import { cidOf, parseCid } from "@rose-ash/content";
import { Hasher, SexpError, definitionName, definitionsOf, parse, print, type Node } from "@rose-ash/sexp";
import { FederationRefusal } from "./refusal.ts";

/** The media type of canonical s-expression source (an ActivityPub `source`'s `mediaType`). */
export const SEXP_MEDIA_TYPE = "application/x-rose-sexp";

/** The largest source taken, document or definition (UTF-8 bytes). */
export const MAX_SOURCE_BYTES = 256 * 1024;

/** The most definitions one document may bring. */
export const MAX_DEFINITIONS = 64;

/** A definition a document references, by name and language hash. */
export interface Reference {
  readonly name: string;
  readonly hash: string;
}

/** A document as published: what its ActivityPub object carries. */
export interface DocumentDescription {
  /** Canonical source: one form, printed. */
  readonly source: string;
  /** The language hash: Merkle over the definitions it references. */
  readonly hash: string;
  /** CIDv1 of the source's UTF-8 bytes. */
  readonly cid: string;
  /** Every definition it references, directly or through others, sorted by name. */
  readonly references: readonly Reference[];
}

/** A definition as published, beside the documents that reference it. */
export interface DefinitionDescription {
  readonly name: string;
  /** Canonical source of the defining form. */
  readonly source: string;
  readonly hash: string;
  readonly cid: string;
  /** The other definitions it references directly, sorted by name. */
  readonly references: readonly Reference[];
}

/** A document as received: nothing in it is trusted yet. */
export interface ReceivedDocument {
  readonly source: string;
  readonly cid: string;
  readonly hash: string;
}

/** A definition as received with a document. */
export interface ReceivedDefinition extends ReceivedDocument {
  readonly name: string;
}

/** What a verified document is: its form, and the definitions it came with (name -> defining form). */
export interface VerifiedDocument {
  readonly form: Node;
  readonly definitions: Map<string, Node>;
}

/** Text in the printer's normal form: every form printed, one a line (reading errors are thrown as they are, with their positions). */
export function canonicalSource(text: string): string {
  return parse(text).map(print).join("\n");
}

/** The CIDv1 (raw leaves, as `ipfs add --cid-version 1 --raw-leaves`) of the source's UTF-8 bytes. */
export async function sourceCid(source: string): Promise<string> {
  return (await cidOf(utf8(source))).toString();
}

/** Describe a form for publishing, against the definitions of the instance that publishes it. */
export async function describeDocument(form: Node, definitions: ReadonlyMap<string, Node>): Promise<DocumentDescription> {
  const hasher = new Hasher(definitions);
  const source = print(form);
  return { source, hash: hasher.hash(form), cid: await sourceCid(source), references: closure(hasher, hasher.references(form)).map((name) => reference(hasher, name)) };
}

/** Describe one of the publisher's definitions (a component a document references), for fetching beside it. */
export async function describeDefinition(name: string, definitions: ReadonlyMap<string, Node>): Promise<DefinitionDescription> {
  const form = definitions.get(name);
  if (form === undefined) throw new FederationRefusal("format", `there is no definition of ${name} to describe`);
  const hasher = new Hasher(definitions);
  const source = print(form);
  return { name, source, hash: hasher.definitionHash(name)!, cid: await sourceCid(source), references: hasher.references(form).filter((r) => r !== name).map((r) => reference(hasher, r)) };
}

/**
 * Verify a received document and the definitions it came with: sizes, every
 * CID against its source, each source one canonical form (a definition's
 * defining what it is named), then the language hashes recomputed from the
 * forms. Throws `FederationRefusal` at the first thing that does not hold.
 */
export async function verifyDocument(received: ReceivedDocument, definitions: readonly ReceivedDefinition[]): Promise<VerifiedDocument> {
  sized("the document", received.source);
  await matchesItsCid("the document's source", received);
  const form = oneCanonicalForm("the document", received.source);
  const { table, hasher } = await verifiedDefinitions(definitions);
  const hash = hasher.hash(form);
  if (hash !== received.hash) {
    throw new FederationRefusal("hash", `the document's hash is ${hash} from its source and definitions, not the ${received.hash} it came with: its source or a definition it uses is not what the origin hashed`);
  }
  return { form, definitions: table };
}

/**
 * Verify a definition published on its own (a component an instance
 * announces), with the definitions it references: as `verifyDocument` does,
 * its hash being its definition's (`Hasher.definitionHash`, what documents
 * that use it reference it by). `form` is its defining form.
 */
export async function verifyDefinition(received: ReceivedDefinition, references: readonly ReceivedDefinition[]): Promise<VerifiedDocument> {
  const { table } = await verifiedDefinitions([received, ...references.filter((r) => r.name !== received.name)]);
  return { form: table.get(received.name)!, definitions: table };
}

/** Definitions as received, each checked (size, CID, one canonical form defining its name, hash): their table, and a hasher over it. */
async function verifiedDefinitions(definitions: readonly ReceivedDefinition[]): Promise<{ table: Map<string, Node>; hasher: Hasher }> {
  if (definitions.length > MAX_DEFINITIONS) {
    throw new FederationRefusal("policy", `${definitions.length} definitions came with it, more than the ${MAX_DEFINITIONS} taken`);
  }
  for (const d of definitions) sized(d.name, d.source);
  for (const d of definitions) await matchesItsCid(`the source of ${d.name}`, d);
  const forms: Node[] = [];
  const names = new Set<string>();
  for (const d of definitions) {
    if (names.has(d.name)) throw new FederationRefusal("format", `${d.name} came twice with the document`);
    names.add(d.name);
    const def = oneCanonicalForm(`the source of ${d.name}`, d.source);
    const defines = definitionName(def);
    if (defines !== d.name) {
      throw new FederationRefusal("format", `the source sent as ${d.name} ${defines === null ? "defines nothing (a define or defcomp form was expected)" : `defines ${defines}`}`, def.line, def.col);
    }
    forms.push(def);
  }
  const table = definitionsOf(forms);
  const hasher = new Hasher(table);
  for (const d of definitions) {
    const own = hasher.definitionHash(d.name)!;
    if (own !== d.hash) throw new FederationRefusal("hash", `the hash of ${d.name} is ${own} from its source and what it uses, not the ${d.hash} it came with`);
  }
  return { table, hasher };
}

/** The names reachable from `names` through the definitions' references (the names themselves included), sorted. */
function closure(hasher: Hasher, names: readonly string[]): string[] {
  const seen = new Set<string>();
  const pending = [...names];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    pending.push(...hasher.references(hasher.definitions.get(name)!));
  }
  return [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function reference(hasher: Hasher, name: string): Reference {
  return { name, hash: hasher.definitionHash(name)! };
}

function sized(what: string, source: string): void {
  const bytes = utf8(source).length;
  if (bytes > MAX_SOURCE_BYTES) throw new FederationRefusal("policy", `${what} is ${bytes} bytes, more than the ${MAX_SOURCE_BYTES} taken`);
}

async function matchesItsCid(what: string, x: ReceivedDocument): Promise<void> {
  const expected = parseCid(x.cid);
  if (expected === null) throw new FederationRefusal("format", `${what} came with ${JSON.stringify(x.cid)}, which is not a CID`);
  const actual = await cidOf(utf8(x.source));
  if (!actual.equals(expected)) throw new FederationRefusal("cid", `${what} does not match its CID ${x.cid} (its bytes are ${actual.toString()}): it was changed on the way`);
}

/** The one form of a source already in canonical form. */
function oneCanonicalForm(what: string, source: string): Node {
  let forms: Node[];
  try {
    forms = parse(source, { src: "<federated>" });
  } catch (e) {
    if (e instanceof SexpError && e.loc) throw new FederationRefusal("format", `${what} does not read: ${e.message}`, e.loc.line, e.loc.col);
    throw e;
  }
  if (forms.length !== 1) {
    const at = forms[1];
    throw new FederationRefusal("format", `${what} is ${forms.length === 0 ? "empty" : `${forms.length} forms`} where one form is expected`, at?.line ?? 1, at?.col ?? 1);
  }
  const form = forms[0]!;
  if (print(form) !== source) throw new FederationRefusal("format", `${what} is not in canonical form (the printer's normal form, one line): the origin publishes its printed form, so this was not made by publishing`, 1, 1);
  return form;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
