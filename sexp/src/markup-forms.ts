/**
 * Reading markup forms, as forms.ts reads the others: an element's
 * attributes and children (or the pieces of a `script`/`style` element's
 * content), and a component call's keyword arguments and children. Each
 * problem is reported through a `Report` (see forms.ts), each message
 * written here once.
 */
import { arityMessage, type Report } from "./errors.ts";
import { isLiteral } from "./forms.ts";
import {
  JSON_IN_QUOTES_MESSAGE,
  RAW_TEXT_CHILD_MESSAGE,
  RAW_TEXT_ELEMENTS,
  RAW_TEXT_EMBED,
  SCRIPT_ATTRIBUTE_MESSAGE,
  VOID_ELEMENTS,
  attributeKind,
  isValidAttributeName,
  type AttributeKind,
} from "./html-tags.ts";
import { isLocal, type Scope } from "./scope.ts";
import type { KwNode, ListNode, Node } from "./types.ts";

export interface Argument {
  readonly name: string;
  readonly value: Node;
  readonly key: KwNode;
}

export interface SplitArgs {
  readonly attrs: Argument[];
  readonly children: Node[];
}

/**
 * Keyword literals followed by a value are attributes/keyword arguments; the
 * rest are children. A malformed pair is reported and skipped.
 */
export function splitArgs(args: readonly Node[], what: string, report: Report): SplitArgs {
  const attrs: Argument[] = [];
  const children: Node[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.kind !== "kw") {
      children.push(a);
      continue;
    }
    const value = args[i + 1];
    i++;
    if (!value) report(`${what} :${a.value} has no value`, a);
    else if (seen.has(a.value)) report(`${what} :${a.value} given twice`, a);
    else {
      seen.add(a.value);
      attrs.push({ name: a.value, value, key: a });
    }
  }
  return { attrs, children };
}

/** A component call `(~name :key value ... children...)`: its keyword arguments and children. */
export function readComponentCall(name: string, n: ListNode, report: Report): SplitArgs {
  return splitArgs(n.value.slice(1), `${name} argument`, report);
}

export interface Attribute extends Argument {
  readonly kind: AttributeKind;
}

/** A piece of a raw-text element's content: literal text, an expression to embed, or a child that is refused (reported). */
export type RawTextPiece = { readonly text: string } | { readonly embed: Node; readonly at: ListNode } | { readonly refused: Node };

export interface ElementForm {
  readonly attrs: readonly Attribute[];
  /** Its children (a void element's are reported: it has none). */
  readonly children: readonly Node[];
  /** The content of a `script` or `style` element, piece by piece; null for other elements. */
  readonly rawText: readonly RawTextPiece[] | null;
}

/**
 * An element: its attributes (a valid name; data only where it cannot run
 * script, see `attributeKind`), and its children, or the pieces of a
 * raw-text element's content.
 */
export function readElement(tag: string, n: ListNode, scope: Scope | null, report: Report): ElementForm {
  const { attrs, children } = splitArgs(n.value.slice(1), "attribute", report);
  if (VOID_ELEMENTS.has(tag) && children.length) report(`<${tag}> is a void element and cannot have children`, children[0]!, "render");
  const read = attrs.map((a): Attribute => {
    const kind = attributeKind(a.name);
    if (!isValidAttributeName(a.name)) report(`invalid attribute name :${a.name}`, a.key, "render");
    else if (kind === "script" && !isLiteral(a.value)) report(SCRIPT_ATTRIBUTE_MESSAGE(a.name), a.value, "render");
    return { ...a, kind };
  });
  const rawText = RAW_TEXT_ELEMENTS.has(tag) ? rawTextPieces(tag, children, scope, report) : null;
  return { attrs: read, children, rawText };
}

/**
 * The children of a `script` or `style` element: literal strings and
 * numbers, and the element's embedding form (`(json expr)` in a script,
 * `(css-value expr)` in a style; see RAW_TEXT_EMBED) unless a local has that
 * name. Anything else is refused: data inside a script would run. `(json
 * expr)` right next to a quote is refused too: JSON inside a JavaScript
 * string can end the string.
 */
function rawTextPieces(tag: string, children: readonly Node[], scope: Scope | null, report: Report): RawTextPiece[] {
  const form = RAW_TEXT_EMBED[tag]!;
  return children.map((c, i): RawTextPiece => {
    if (c.kind === "str" || c.kind === "num") return { text: typeof c.value === "string" ? c.value : String(c.value) };
    const head = c.kind === "list" ? c.value[0] : undefined;
    if (c.kind !== "list" || head?.kind !== "sym" || head.value !== form || isLocal(scope, form)) {
      report(RAW_TEXT_CHILD_MESSAGE(tag), c, "render");
    } else if (c.value.length !== 2) {
      report(arityMessage(`${form} x`, 1, 1, c.value.length - 1), c, "render");
    } else if (tag === "script" && (endsInQuote(children[i - 1]) || startsWithQuote(children[i + 1]))) {
      report(JSON_IN_QUOTES_MESSAGE, c, "render");
    } else {
      return { embed: c.value[1]!, at: c };
    }
    return { refused: c };
  });
}

const endsInQuote = (n: Node | undefined): boolean => n?.kind === "str" && /['"`]\s*$/.test(n.value);
const startsWithQuote = (n: Node | undefined): boolean => n?.kind === "str" && /^\s*['"`]/.test(n.value);
