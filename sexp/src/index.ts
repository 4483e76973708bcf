/** @rose-ash/sexp: the s-expression language of Rose-Ash Edge. */
export * from "./types.ts";
export * from "./errors.ts";
export { parse, parseOne, type ReadOptions } from "./reader.ts";
export { print, printValue, printString } from "./printer.ts";
export { escapeHtml, isSafeUrl, safeUrl, escapeRawText, UNSAFE_URL } from "./escape.ts";
export { scriptJson, cssValue, isSafeCssValue, UNSAFE_CSS_VALUE } from "./embed.ts";
export { attributeKind, type AttributeKind } from "./html-tags.ts";
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
  type Route,
  type Limits,
  type Out,
  type PrimitiveMeta,
  type PrimitiveEffect,
  type ComponentCall,
  type ComponentHook,
  type IoCall,
} from "./runtime.ts";
export { compileTop, isDefinition, toData, SPECIAL_FORMS } from "./compiler.ts";
export { bindQuery, checkQueryArgs, compileQuery, numberedSql, queryKey, PARAM_TYPES, type QueryDef, type QueryParam, type ParamType } from "./query.ts";
export type { CallCheck, CallProblem, CheckScope } from "./call-check.ts";
export { closest, didYouMean } from "./suggest.ts";
export { createEnv, evaluate, evaluateForms, render, renderForms, fromJson, type RunOptions } from "./program.ts";
export * from "./hash.ts";
export * from "./check.ts";
export { Analysis, PURE, type DefinitionEffects, type Effects } from "./analyze.ts";
export { askAgain, callKey, inputKey, writeCalls } from "./keys.ts";
