/// <reference path="./nunjucks-slim.d.ts" />
/**
 * Precompiled templates where they render — a Worker, or anywhere:
 * Nunjucks' runtime alone (nunjucks-slim, no compiler, nothing made with
 * `new Function`), autoescape on, with the `sexp` bridge so templates can
 * call the site's components. What `(jinja ...)` renders with.
 */
import nunjucks from "nunjucks/browser/nunjucks-slim.js";
import type { Env } from "@rose-ash/sexp";
import { addSexpBridge } from "./bridge.ts";

export interface Templates {
  /** The names of the templates there are. */
  readonly names: readonly string[];
  /** Render one with these variables (and the site's components through `sexp`). */
  render(name: string, variables: Record<string, unknown>): string;
}

/** The templates of a precompiled module (precompile.ts), rendering with `site`'s definitions. */
export function precompiledTemplates(precompiled: Record<string, unknown>, site: Env): Templates {
  const env = new nunjucks.Environment(new nunjucks.PrecompiledLoader(precompiled), { autoescape: true });
  addSexpBridge(env, site, (html) => nunjucks.runtime.markSafe(html));
  const names = Object.keys(precompiled).sort();
  return {
    names,
    render(name, variables) {
      if (!Object.hasOwn(precompiled, name)) throw new Error(`there is no template ${name} (there are: ${names.join(", ") || "none"})`);
      return env.render(name, variables);
    },
  };
}
