/**
 * Nunjucks' own reader: a template parsed by the parser Nunjucks compiles
 * with (so what is converted is exactly what Nunjucks renders), its nodes
 * typed as far as the converter reads them. Positions are Nunjucks': 0-based
 * line and column.
 */
import nunjucks from "nunjucks";

/** A node of Nunjucks' template AST (nunjucks/src/nodes.js). */
export interface NjNode {
  readonly typename: string;
  readonly lineno: number;
  readonly colno: number;
  readonly children?: NjNode[];
  readonly [field: string]: unknown;
}

interface NunjucksInternals {
  parser: { parse(src: string, extensions: unknown[], opts: object): NjNode };
}

/** A template read as Nunjucks reads it; its syntax errors are thrown with Nunjucks' message (`(unknown path) [Line 3, Column 5] ...`). */
export function parseTemplate(src: string): NjNode {
  return (nunjucks as unknown as NunjucksInternals).parser.parse(src, [], {});
}

/** The position of a Nunjucks syntax error (its lineno and colno, 1-based); null when it names none. */
export function errorPosition(e: unknown): { line: number; col: number } | null {
  const { lineno, colno } = (e ?? {}) as { lineno?: unknown; colno?: unknown };
  return typeof lineno === "number" && typeof colno === "number" ? { line: lineno, col: colno } : null;
}

export function child(node: NjNode, field: string): NjNode | null {
  const v = node[field];
  return v && typeof v === "object" && "typename" in (v as object) ? (v as NjNode) : null;
}

export function childrenOf(node: NjNode | null): NjNode[] {
  return node?.children ?? [];
}
