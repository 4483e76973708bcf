/**
 * A small s-expression grammar in GBNF, bounded everywhere (two levels of nesting, at most
 * three children, short strings and numbers), and the same language as a regular expression,
 * so that what a model writes under the grammar can be checked without the grammar.
 * Stands in for sexp/src/generation's catalog grammar until that exists.
 */
export const SEXP_GBNF = String.raw`root  ::= "(" tag (" " item){0,3} ")"
item  ::= leaf | inner
inner ::= "(" tag (" " leaf){0,2} ")"
leaf  ::= str | num | kw
tag   ::= "page" | "section" | "p" | "ul" | "li"
kw    ::= ":" ("title" | "class")
str   ::= "\"" [a-z ]{0,6} "\""
num   ::= [1-9] [0-9]{0,2}
`;

const tag = "(?:page|section|p|ul|li)";
const leaf = String.raw`(?:"[a-z ]{0,6}"|[1-9][0-9]{0,2}|:(?:title|class))`;
const inner = String.raw`\(${tag}(?: ${leaf}){0,2}\)`;
const language = new RegExp(String.raw`^\(${tag}(?: (?:${leaf}|${inner})){0,3}\)$`);

/** Whether a text is in SEXP_GBNF's language. */
export function inSexpLanguage(text: string): boolean {
  return language.test(text);
}

/** The longest text in the language, in characters: a bound on the tokens needed to finish one. */
export const SEXP_MAX_CHARS = 1 + 7 + 3 * (1 + (1 + 7 + 2 * (1 + 8) + 1)) + 1;

/**
 * The string literals of a GBNF grammar (`"..."`, escapes undone), for a vocabulary whose
 * pieces are the grammar's words, as a real model's pieces would be, so that sampling under
 * it takes tokens that span several of its elements, not only single characters.
 */
export function gbnfLiterals(gbnf: string): string[] {
  const out = new Set<string>();
  for (const [, body] of gbnf.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)) {
    const text = (body ?? "").replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
    if (text.length >= 2 && text.length <= 24) out.add(text);
  }
  return [...out];
}
