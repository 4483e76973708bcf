/**
 * Data as s-expression source: what a document federates with its data in
 * place (a page's rows, a post's fields) is written as the expression that
 * evaluates to that data, so the receiver needs no I/O to render it.
 * Strings, numbers, booleans and nil print as themselves, a list as
 * `(list ...)`, a map (or a database row) as `{:key value ...}` in its own
 * order, a Date as its ISO time. Nothing in it can become code: text is
 * always a printed string, and every list is built with `list`.
 */
import { printMapKey, printNumber, printString } from "@rose-ash/sexp";

/** The s-expression that evaluates to `value`; throws on what is not data (a function, a symbol). */
export function dataSource(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  switch (typeof value) {
    case "string":
      return printString(value);
    case "number":
      return printNumber(value);
    case "boolean":
      return value ? "true" : "false";
  }
  if (value instanceof Date) return printString(value.toISOString());
  if (Array.isArray(value)) return value.length ? `(list ${value.map(dataSource).join(" ")})` : "(list)";
  const entries = value instanceof Map ? [...value.entries()] : isRecord(value) ? Object.entries(value) : null;
  if (entries === null) throw new TypeError(`not data: ${Object.prototype.toString.call(value)}`);
  return `{${entries.map(([k, v]) => `${printMapKey(String(k))} ${dataSource(v)}`).join(" ")}}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
