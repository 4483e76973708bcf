/**
 * Rendering both sides of a rewrite with the same data: a Nunjucks template
 * (autoescape on, as Jinja apps run it; includes found beside it) and an
 * s-expression with its libraries, the data's keys as variables (as
 * `sexp render --data` has them).
 */
import nunjucks from "nunjucks";
import { basename, dirname, resolve } from "node:path";
import { createEnv, evaluateForms, fromJson, parse, renderForms } from "@rose-ash/sexp";

/** Render a template file with data; what it includes is looked up in its own folder, then in each folder above (templatesFolders). */
export function renderTemplateFile(path: string, data: Record<string, unknown>): string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesFolders(path), { noCache: true }), { autoescape: true });
  return env.render(basename(path), data);
}

/**
 * Where a template's includes and imports are found: its own folder, then
 * each folder above it — so `fragments/link_card.njk` is found from
 * `templates/fragments/container_cards.njk` as from the templates folder,
 * the loader root an app would give Nunjucks.
 */
export function templatesFolders(path: string): string[] {
  const out: string[] = [];
  for (let dir = resolve(dirname(path)); ; dir = dirname(dir)) {
    out.push(dir);
    if (dirname(dir) === dir) return out;
  }
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
