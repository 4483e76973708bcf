/**
 * Rendering both sides of a rewrite with the same data: a Nunjucks template
 * (autoescape on, as Jinja apps run it; includes found beside it) and an
 * s-expression with its libraries, the data's keys as variables (as
 * `sexp render --data` has them).
 */
import nunjucks from "nunjucks";
import { dirname, basename } from "node:path";
import { createEnv, evaluateForms, fromJson, parse, renderForms } from "@rose-ash/sexp";

/** Render a template file with data; its includes are looked up in its own folder. */
export function renderTemplateFile(path: string, data: Record<string, unknown>): string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dirname(path), { noCache: true }), { autoescape: true });
  return env.render(basename(path), data);
}

/** Render template text with data (includes by name through `include`, when given). */
export function renderTemplate(text: string, data: Record<string, unknown>, include?: (name: string) => string | null): string {
  const loader = { getSource: (name: string) => ({ src: include?.(name) ?? "", path: name, noCache: true }) };
  const env = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, { autoescape: true });
  return env.renderString(text, data);
}

export interface SexpSource {
  readonly text: string;
  /** Its name in error messages (a file name). */
  readonly name: string;
}

/** Render s-expression source with libraries (definitions made first) and data. */
export async function renderSexp(source: SexpSource, data: Record<string, unknown>, libs: readonly SexpSource[] = []): Promise<string> {
  const env = createEnv();
  for (const [k, v] of Object.entries(data)) env.define(k, fromJson(v as never));
  for (const lib of libs) await evaluateForms(parse(lib.text, { src: lib.name }), env);
  return renderForms(parse(source.text, { src: source.name }), env);
}
