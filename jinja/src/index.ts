/**
 * @rose-ash/jinja: the Jinja bridge. Nunjucks (the JavaScript Jinja)
 * templates and s-expressions side by side while an app migrates: a
 * converter from templates to s-expression drafts, normalized HTML to prove
 * a rewrite renders the same page, and both renderers with the same data.
 */
export { convertTemplate, unbalanced, TRUTHY_DEFINITION, type ConvertOptions, type ConvertProblem, type Converted } from "./convert.ts";
export { htmlDifferences, normalizeHtml, printNormal, type Difference, type NormalNode } from "./normalize.ts";
export { renderSexp, renderTemplate, renderTemplateFile, type SexpSource } from "./render.ts";
export { addSexpBridge, renderWith, type NunjucksEnvironment } from "./bridge.ts";
export { precompileModule, type TemplateFile } from "./precompile.ts";
export { precompiledTemplates, type Templates } from "./templates.ts";
