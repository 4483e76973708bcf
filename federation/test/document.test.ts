/**
 * Federated documents: described by the instance that publishes them
 * (canonical source, CID, Merkle hash, the definitions they reference),
 * verified by the one that receives them, and every way a changed document
 * is refused.
 */
import { describe, expect, it } from "vitest";
import { CID } from "multiformats/cid";
import { Hasher, definitionsOf, parse, parseOne, print } from "@rose-ash/sexp";
import { matchesCid } from "@rose-ash/content";
import {
  FederationRefusal,
  SEXP_MEDIA_TYPE,
  canonicalSource,
  describeDefinition,
  describeDocument,
  sourceCid,
  verifyDefinition,
  verifyDocument,
  type ReceivedDefinition,
  type RefusalReason,
} from "../src/index.ts";

/** The origin's definitions: a chain (~post uses ~byline, which uses initials) and one the post does not use. */
const ORIGIN = definitionsOf(
  parse(`
(define (initials name) (upper (substring name 0 1)))
(defcomp ~byline (&key author) (p :class "byline" "by " author " (" (initials author) ")"))
(defcomp ~post (&key title author &rest body) (article (h2 title) (~byline :author author) body))
(defcomp ~unused () (p "never"))
`),
);

const POST = parseOne(`(~post :title "Apple"   ; a comment
  :author "Hannah"
  (p "It’s " (a :href "https://a.example/x" "here") "."))`);

/** What the origin publishes for POST: the document and each definition it references. */
async function published() {
  const doc = await describeDocument(POST, ORIGIN);
  const definitions = await Promise.all(doc.references.map((r) => describeDefinition(r.name, ORIGIN)));
  return { doc, definitions };
}

/** The refusal `p` ends in (failing the test when it resolves). */
async function refusal(p: Promise<unknown>): Promise<FederationRefusal> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  if (!(e instanceof FederationRefusal)) throw new Error(`expected a FederationRefusal, got ${String(e)}`);
  return e;
}

async function refused(p: Promise<unknown>, reason: RefusalReason, message: RegExp): Promise<FederationRefusal> {
  const e = await refusal(p);
  expect(e.reason).toBe(reason);
  expect(e.message).toMatch(message);
  return e;
}

describe("canonical source and CID", () => {
  it("is the printer's normal form: layout and comments do not matter", () => {
    expect(canonicalSource('(p  "a"   ; note\n (b "c"))\n\n(br)')).toBe('(p "a" (b "c"))\n(br)');
    expect(canonicalSource(canonicalSource("(p 'x {:a 1})"))).toBe(canonicalSource("(p 'x {:a 1})"));
    expect(SEXP_MEDIA_TYPE).toBe("application/x-rose-sexp");
  });

  it("is the CIDv1 (raw, sha2-256) of the source's UTF-8 bytes, as ipfs computes it", async () => {
    const cid = await sourceCid('(p "It’s")');
    const parsed = CID.parse(cid);
    expect(parsed.version).toBe(1);
    expect(parsed.code).toBe(0x55); // raw
    expect(parsed.multihash.code).toBe(0x12); // sha2-256
    expect(cid.startsWith("bafkrei")).toBe(true);
    expect(await matchesCid(cid, new TextEncoder().encode('(p "It’s")'))).toBe(true);
  });
});

describe("describeDocument and describeDefinition", () => {
  it("describe the canonical source, its CID, the Merkle hash and the definitions it reaches", async () => {
    const { doc, definitions } = await published();
    expect(doc.source).toBe(print(POST));
    expect(doc.cid).toBe(await sourceCid(doc.source));
    expect(doc.hash).toBe(new Hasher(ORIGIN).hash(POST));
    // Transitive: ~post reaches ~byline, which reaches initials; ~unused is not referenced.
    expect(doc.references.map((r) => r.name)).toEqual(["initials", "~byline", "~post"]);
    expect(doc.references.find((r) => r.name === "~byline")!.hash).toBe(new Hasher(ORIGIN).definitionHash("~byline"));
    const byline = definitions.find((d) => d.name === "~byline")!;
    expect(byline.source).toBe(print(ORIGIN.get("~byline")!));
    expect(byline.cid).toBe(await sourceCid(byline.source));
    // Its own references are the direct ones.
    expect(byline.references.map((r) => r.name)).toEqual(["initials"]);
    expect((await describeDefinition("~post", ORIGIN)).references.map((r) => r.name)).toEqual(["~byline"]);
  });

  it("changes the document's hash when a definition it uses changes, not its source or CID", async () => {
    const changed = new Map(ORIGIN);
    changed.set("initials", parseOne("(define (initials name) (lower (substring name 0 1)))"));
    const a = await describeDocument(POST, ORIGIN);
    const b = await describeDocument(POST, changed);
    expect(b.source).toBe(a.source);
    expect(b.cid).toBe(a.cid);
    expect(b.hash).not.toBe(a.hash);
  });

  it("refuses to describe a definition there is not", async () => {
    await refused(describeDefinition("~nope", ORIGIN), "format", /no definition of ~nope/);
  });
});

describe("verifyDocument", () => {
  it("takes what was published, and gives back its form and definitions", async () => {
    const { doc, definitions } = await published();
    const verified = await verifyDocument(doc, definitions);
    expect(print(verified.form)).toBe(doc.source);
    expect([...verified.definitions.keys()].sort()).toEqual(["initials", "~byline", "~post"]);
    expect(print(verified.definitions.get("~byline")!)).toBe(print(ORIGIN.get("~byline")!));
  });

  it("refuses a source that does not match its CID: it was changed on the way", async () => {
    const { doc, definitions } = await published();
    const changed = { ...doc, source: doc.source.replace("Apple", "Pear") };
    const e = await refused(verifyDocument(changed, definitions), "cid", /^the document's source does not match its CID bafkrei\w+ .*: it was changed on the way$/);
    expect(e.message).toContain(doc.cid);
  });

  it("refuses a source whose CID was recomputed but not its hash", async () => {
    const { doc, definitions } = await published();
    const source = doc.source.replace("Apple", "Pear");
    await refused(verifyDocument({ ...doc, source, cid: await sourceCid(source) }, definitions), "hash", /^the document's hash is [0-9a-f]{64} from its source and definitions, not the [0-9a-f]{64} it came with/);
  });

  it("refuses a changed definition: by its CID, or by the hashes when its CID was recomputed", async () => {
    const { doc, definitions } = await published();
    const changedSource = definitions.find((d) => d.name === "initials")!.source.replace("upper", "lower");
    const swap = (d: ReceivedDefinition, x: Partial<ReceivedDefinition>) => (d.name === "initials" ? { ...d, ...x } : d);
    await refused(verifyDocument(doc, definitions.map((d) => swap(d, { source: changedSource }))), "cid", /^the source of initials does not match its CID/);
    const recomputed = definitions.map((d) => swap(d, { source: changedSource, cid: "" }));
    for (const d of recomputed) if (d.name === "initials") (d as { cid: string }).cid = await sourceCid(changedSource);
    // Its stated hash is no longer its own: refused by that before the document's hash.
    await refused(verifyDocument(doc, recomputed), "hash", /^the hash of initials is [0-9a-f]{64} from its source and what it uses, not the [0-9a-f]{64} it came with$/);
  });

  it("refuses a definition left out, or one whose stated hash is not its own", async () => {
    const { doc, definitions } = await published();
    // Without initials, ~byline's hash (Merkle over what it uses) is not the one it came with.
    await refused(verifyDocument(doc, definitions.filter((d) => d.name !== "initials")), "hash", /^the hash of ~byline is [0-9a-f]{64} from its source and what it uses/);
    const wrong = definitions.map((d) => (d.name === "~unused" ? d : d.name === "initials" ? { ...d, hash: "0".repeat(64) } : d));
    await refused(verifyDocument(doc, wrong), "hash", /^the hash of initials is [0-9a-f]{64} from its source and what it uses, not the 0{64} it came with$/);
  });

  it("refuses two forms, no form, a source that does not read (with its position), and a source not in canonical form", async () => {
    const { definitions } = await published();
    const sent = async (source: string) => ({ source, cid: await sourceCid(source), hash: "x" });
    const two = await refused(verifyDocument(await sent('(p "a")\n(p "b")'), definitions), "format", /^the document is 2 forms where one form is expected$/);
    expect([two.line, two.col]).toEqual([2, 1]);
    await refused(verifyDocument(await sent("  "), definitions), "format", /^the document is empty where one form is expected$/);
    const unread = await refused(verifyDocument(await sent('(p "a"\n  (b "c")'), definitions), "format", /^the document does not read: unclosed '\('/);
    expect([unread.line, unread.col]).toEqual([1, 1]);
    await refused(verifyDocument(await sent('(p   "a")'), definitions), "format", /^the document is not in canonical form/);
    await refused(verifyDocument(await sent('(p "a") ; note'), definitions), "format", /^the document is not in canonical form/);
  });

  it("refuses a definition that defines something else than its name, or comes twice", async () => {
    const { doc, definitions } = await published();
    const byline = definitions.find((d) => d.name === "~byline")!;
    await refused(verifyDocument(doc, [...definitions.filter((d) => d !== byline), { ...byline, name: "~bylin" }]), "format", /^the source sent as ~bylin defines ~byline$/);
    await refused(verifyDocument(doc, [...definitions, byline]), "format", /^~byline came twice/);
    const notADefinition = '(p "x")';
    await refused(verifyDocument(doc, [{ name: "~x", source: notADefinition, cid: await sourceCid(notADefinition), hash: "x" }]), "format", /^the source sent as ~x defines nothing/);
  });

  it("refuses a CID that is not one, and sizes over its caps", async () => {
    const { doc, definitions } = await published();
    await refused(verifyDocument({ ...doc, cid: "not-a-cid" }, definitions), "format", /^the document's source came with "not-a-cid", which is not a CID$/);
    const big = `(p "${"x".repeat(256 * 1024)}")`;
    await refused(verifyDocument({ ...doc, source: big }, definitions), "policy", /^the document is 262150 bytes, more than the 262144 taken$/);
    const many = Array.from({ length: 65 }, (_, i) => ({ ...definitions[0]!, name: `d${i}` }));
    await refused(verifyDocument(doc, many), "policy", /^65 definitions came with it, more than the 64 taken$/);
  });
});

describe("verifyDefinition", () => {
  /** A component as its origin announces it: itself described, and each definition it references (directly or through others) described too. */
  async function announced(name: string, definitions: ReadonlyMap<string, ReturnType<typeof parseOne>> = ORIGIN) {
    const component = await describeDefinition(name, definitions);
    const seen = new Set<string>([name]);
    const references = [];
    for (let pending = [...component.references]; pending.length; ) {
      const r = pending.shift()!;
      if (seen.has(r.name)) continue;
      seen.add(r.name);
      const d = await describeDefinition(r.name, definitions);
      references.push(d);
      pending.push(...d.references);
    }
    return { component, references };
  }

  it("takes a component published on its own, with what it references: its defining form and their table", async () => {
    const { component, references } = await announced("~byline");
    expect(references.map((r) => r.name)).toEqual(["initials"]);
    // Its hash is its definition's: what documents that use it reference it by.
    expect(component.hash).toBe(new Hasher(ORIGIN).definitionHash("~byline"));
    const verified = await verifyDefinition(component, references);
    expect(print(verified.form)).toBe(component.source);
    expect(verified.form).toBe(verified.definitions.get("~byline"));
    expect([...verified.definitions.keys()].sort()).toEqual(["initials", "~byline"]);
    expect(print(verified.definitions.get("initials")!)).toBe(print(ORIGIN.get("initials")!));
    // Hashed again over the table received, every definition has the hash its origin gave it.
    const again = new Hasher(verified.definitions);
    expect(again.definitionHash("~byline")).toBe(component.hash);
    expect(again.definitionHash("initials")).toBe(references[0]!.hash);
    // Through two levels: ~post reaches ~byline, which reaches initials.
    const post = await announced("~post");
    expect(post.references.map((r) => r.name)).toEqual(["~byline", "initials"]);
    expect([...(await verifyDefinition(post.component, post.references)).definitions.keys()].sort()).toEqual(["initials", "~byline", "~post"]);
  });

  it("takes a component that uses nothing of its origin's, with no references", async () => {
    const { component, references } = await announced("~unused");
    expect(references).toEqual([]);
    const verified = await verifyDefinition(component, []);
    expect(print(verified.form)).toBe('(defcomp ~unused () (p "never"))');
    expect([...verified.definitions.keys()]).toEqual(["~unused"]);
  });

  it("refuses a source that does not match its CID, its own or a reference's: it was changed on the way", async () => {
    const { component, references } = await announced("~byline");
    const changed = { ...component, source: component.source.replace('"by "', '"par "') };
    expect(changed.source).not.toBe(component.source);
    const e = await refused(verifyDefinition(changed, references), "cid", /^the source of ~byline does not match its CID bafkrei\w+ .*: it was changed on the way$/);
    expect(e.message).toContain(component.cid);
    const initials = { ...references[0]!, source: references[0]!.source.replace("upper", "lower") };
    await refused(verifyDefinition(component, [initials]), "cid", /^the source of initials does not match its CID/);
  });

  it("refuses a hash that is not the definition's: another's, its form's as an expression, or one a changed source would not have", async () => {
    const { component, references } = await announced("~byline");
    const hashOf = /^the hash of ~byline is [0-9a-f]{64} from its source and what it uses, not the (\w+) it came with$/;
    await refused(verifyDefinition({ ...component, hash: "0".repeat(64) }, references), "hash", hashOf);
    await refused(verifyDefinition({ ...component, hash: references[0]!.hash }, references), "hash", hashOf);
    // The hash of its defining form as an expression (Hasher.hash) is not its definition's hash.
    const asExpression = new Hasher(ORIGIN).hash(ORIGIN.get("~byline")!);
    expect(asExpression).not.toBe(component.hash);
    await refused(verifyDefinition({ ...component, hash: asExpression }, references), "hash", hashOf);
    // Its source changed and its CID recomputed, the hash left as it was.
    const source = component.source.replace('"by "', '"par "');
    await refused(verifyDefinition({ ...component, source, cid: await sourceCid(source) }, references), "hash", hashOf);
    // A reference changed (CID recomputed): the component's hash, Merkle over it, is no longer the one it came with.
    const lower = references[0]!.source.replace("upper", "lower");
    await refused(verifyDefinition(component, [{ ...references[0]!, source: lower, cid: await sourceCid(lower) }]), "hash", hashOf);
    // A reference left out: its hash is not the one it came with, since what it uses is not there.
    await refused(verifyDefinition(component, []), "hash", hashOf);
  });

  it("refuses a source that defines another name, or nothing, and a reference that comes twice", async () => {
    const { component, references } = await announced("~byline");
    await refused(verifyDefinition({ ...component, name: "~post" }, references), "format", /^the source sent as ~post defines ~byline$/);
    const post = await describeDefinition("~post", ORIGIN);
    await refused(verifyDefinition({ ...post, name: "~byline" }, references), "format", /^the source sent as ~byline defines ~post$/);
    await refused(verifyDefinition(component, [{ ...references[0]!, name: "~initials" }]), "format", /^the source sent as ~initials defines initials$/);
    const notADefinition = '(p "x")';
    await refused(verifyDefinition({ name: "~x", source: notADefinition, cid: await sourceCid(notADefinition), hash: "x" }, []), "format", /^the source sent as ~x defines nothing/);
    await refused(verifyDefinition(component, [...references, references[0]!]), "format", /^initials came twice/);
    const laidOut = "(defcomp ~x ()\n  (p \"x\"))";
    await refused(verifyDefinition({ name: "~x", source: laidOut, cid: await sourceCid(laidOut), hash: "x" }, []), "format", /^the source of ~x is not in canonical form/);
  });

  it("ignores the definition itself among its references (as a recursive one may list it), whatever version is there", async () => {
    const { component, references } = await announced("~byline");
    const verified = await verifyDefinition(component, [...references, component]);
    expect([...verified.definitions.keys()].sort()).toEqual(["initials", "~byline"]);
    // Even a changed copy of it in the references is not what is verified or kept.
    const other = '(defcomp ~byline (&key author) (p (raw! author)))';
    const copy = { name: "~byline", source: other, cid: "not-a-cid", hash: "0".repeat(64) };
    const kept = await verifyDefinition(component, [copy, ...references]);
    expect(print(kept.form)).toBe(component.source);
  });

  it("takes a recursive component, and mutually recursive ones listing each other", async () => {
    const recursive = definitionsOf(
      parse(`
(defcomp ~tree (&key items) (ul (map (fn (i) (li (:name i) (~tree :items (:children i)))) items)))
(defcomp ~ping (&key n) (div (if n (~pong :n nil) (p "ping"))))
(defcomp ~pong (&key n) (div (if n (~ping :n nil) (p "pong"))))
`),
    );
    const tree = await describeDefinition("~tree", recursive);
    // describeDefinition leaves itself out of its references.
    expect(tree.references).toEqual([]);
    expect(print((await verifyDefinition(tree, [tree])).form)).toBe(tree.source);
    const { component, references } = await announced("~ping", recursive);
    expect(references.map((r) => r.name)).toEqual(["~pong"]);
    expect(references[0]!.references.map((r) => r.name)).toEqual(["~ping"]);
    // ~pong lists ~ping among its references; the receiver may send ~ping along again.
    const verified = await verifyDefinition(component, [...references, component]);
    expect([...verified.definitions.keys()].sort()).toEqual(["~ping", "~pong"]);
    // Members of a cycle are hashed together: without ~pong, ~ping's hash is not its own.
    await refused(verifyDefinition(component, []), "hash", /^the hash of ~ping is/);
  });

  it("refuses more references than a document may bring, and sources over the cap", async () => {
    const { component, references } = await announced("~byline");
    const many = Array.from({ length: 64 }, (_, i) => ({ ...references[0]!, name: `d${i}` }));
    await refused(verifyDefinition(component, many), "policy", /^65 definitions came with it, more than the 64 taken$/);
    const big = `(defcomp ~big () (p "${"x".repeat(256 * 1024)}"))`;
    await refused(verifyDefinition({ name: "~big", source: big, cid: "x", hash: "x" }, []), "policy", /^~big is \d+ bytes, more than the 262144 taken$/);
  });
});
