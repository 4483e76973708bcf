/**
 * Pages that a model or a person wrote (the LLM endpoint's generations):
 * `(generated source)` renders such an s-expression inside a page. The
 * router does it (workers/router/src/generated.ts): the text is checked with
 * the untrusted policy against the site's vocabulary, then evaluated in the
 * page, so its queries read live data and are part of the page's input key,
 * and what it renders for one visitor only is never shared.
 */
import type { PrimitiveDoc } from "./spec.ts";

export const GENERATED_PRIMITIVES: readonly PrimitiveDoc[] = [
  {
    io: true,
    name: "generated",
    params: "source",
    doc: "Render s-expression text written by a model or a person (an LLM generation), checked with the untrusted policy against the site's vocabulary.",
  },
];
