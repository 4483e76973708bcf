/**
 * What the model may write with, made once per isolate from the registries:
 * the site's vocabulary (@rose-ash/vocabulary) and the app's components and
 * queries (@rose-ash/app), as the catalog (with its hash), the GBNF grammar
 * compiled from it (refused if it does not hold together) and the system
 * prompt, which is kept by catalog hash.
 */
import { buildCatalog, catalogGrammar, grammarProblems, systemPrompt, type Catalog, type Env, type Registry } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";
import { sources } from "@rose-ash/app";
import { loadApp } from "@rose-ash/resolver";

export interface Vocabulary {
  readonly registry: Registry;
  readonly env: Env;
  readonly catalog: Catalog;
  /** The GBNF grammar over the catalog. */
  readonly grammar: string;
  /** The system prompt without few-shot examples (those are chosen per prompt). */
  readonly system: string;
}

let loaded: Promise<Vocabulary> | null = null;

export function siteVocabularyForModels(): Promise<Vocabulary> {
  loaded ??= load().catch((e: unknown) => {
    loaded = null;
    throw e;
  });
  return loaded;
}

async function load(): Promise<Vocabulary> {
  const registry = siteVocabulary();
  const app = await loadApp(sources, registry);
  const catalog = buildCatalog({ registry, env: app.env });
  const grammar = catalogGrammar(catalog);
  const problems = grammarProblems(grammar);
  if (problems.length) throw new Error(`the catalog's grammar does not hold together: ${problems.join("; ")}`);
  return { registry, env: app.env, catalog, grammar, system: systemPromptFor(catalog) };
}

const prompts = new Map<string, string>();

/** The system prompt for a catalog, made once per catalog hash. */
export function systemPromptFor(catalog: Catalog): string {
  let prompt = prompts.get(catalog.hash);
  if (prompt === undefined) {
    prompt = systemPrompt(catalog);
    prompts.set(catalog.hash, prompt);
  }
  return prompt;
}
