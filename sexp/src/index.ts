/** @rose-ash/sexp: the s-expression language of Rose-Ash Edge. */
export * from "./types.ts";
export * from "./errors.ts";
export { parse, parseOne, type ReadOptions } from "./reader.ts";
export { print, printMapKey, printNumber, printValue, printString } from "./printer.ts";
export { escapeHtml, isSafeUrl, safeUrl, escapeRawText, UNSAFE_URL } from "./escape.ts";
export { scriptJson, cssValue, isSafeCssValue, UNSAFE_CSS_VALUE } from "./embed.ts";
export { HTML_TAGS, attributeKind, type AttributeKind } from "./html-tags.ts";
export { renderChild as toHtml } from "./html.ts";
export { Registry, type PrimitiveSpec } from "./registry.ts";
export { basePrimitives, createBaseRegistry } from "./primitives/index.ts";
export {
  Env,
  EvalContext,
  Lambda,
  Component,
  Primitive,
  DEFAULT_LIMITS,
  apply,
  type Limits,
  type OutOfOrder,
  type Out,
  type PrimitiveMeta,
  type PrimitiveEffect,
  type PrimitiveTable,
  type ComponentCall,
  type ComponentHook,
  type IoCall,
} from "./runtime.ts";
export { compileTop } from "./compiler.ts";
export { toData } from "./data.ts";
export {
  SPECIAL_FORMS,
  definitionOf,
  definitionName,
  isDefinition,
  type Definition,
} from "./forms.ts";
export { Declarations, DeclarationKind } from "./declarations.ts";
export { ROUTES, declareRoute, routeParams, routesOf, type Route } from "./route.ts";
export {
  bindQuery,
  checkQueryArgs,
  compileQuery,
  declareQuery,
  numberedSql,
  queryKey,
  queryOf,
  readQuery,
  PARAM_TYPES,
  QUERIES,
  type QueryDef,
  type QueryParam,
  type ParamType,
} from "./query.ts";
export type { CallCheck, CallProblem, CheckScope } from "./call-check.ts";
export { closest, didYouMean } from "./suggest.ts";
export { createEnv, emitForms, evaluate, evaluateForms, render, renderForms, streamForms, fromJson, type RunOptions, type StreamOptions } from "./program.ts";
export { Sink } from "./sink.ts";
export { PageStream } from "./stream.ts";
export { emitOf, type Done, type Emit } from "./emit.ts";
export { emitApply } from "./render-calls.ts";
export * from "./hash.ts";
export * from "./check.ts";
export { app, untrusted, policyLimits, isSameOriginPath, type Policy, type PolicyLimits } from "./policy.ts";
export { Analysis, PURE, type DefinitionEffects, type Effects } from "./analyze.ts";
export { askAgain, callKey, inputKey, writeCalls } from "./keys.ts";
export { pretty, prettyForms, type PrettyOptions } from "./pretty.ts";
export {
  buildCatalog,
  catalogAttributes,
  privateEntry,
  GENERATED_ATTRIBUTES,
  type Catalog,
  type CatalogAttribute,
  type CatalogComponent,
  type CatalogComponentKey,
  type CatalogEntry,
  type CatalogExclusion,
  type CatalogInput,
  type CatalogPrimitive,
  type CatalogQuery,
  type CatalogQueryParam,
} from "./generation/catalog.ts";
export { catalogGrammar, grammarProblems, GRAMMAR_DEFAULTS, GRAMMAR_VARIABLES, type GrammarOptions } from "./generation/grammar.ts";
export { extractSexp, type Extracted } from "./generation/extract.ts";
export { repairSexp, type Repaired } from "./generation/repair.ts";
export { validateGenerated, PROTOTYPE_KEYS, type Positioned, type ValidateOptions, type Validation } from "./generation/validate.ts";
export { systemPrompt, refinePrompt, repairPrompt, workedExamples, type PromptExample } from "./generation/prompt.ts";
