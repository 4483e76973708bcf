/**
 * The Jinja bridge's primitive (the router gives its function): one of the
 * app's legacy Nunjucks templates, rendered into the page while the app
 * moves from templates to s-expressions, one fragment at a time.
 */
import type { PrimitiveDoc } from "./spec.ts";

export const JINJA_PRIMITIVES: readonly PrimitiveDoc[] = [
  {
    io: false,
    name: "jinja",
    params: "name &rest keys",
    doc:
      'Render the app\'s Nunjucks template `name` (under app/templates, precompiled at build time) with the keyword arguments as its variables, e.g. (jinja "fragments/nav_tree.njk" :items items :current path); ' +
      "its HTML goes into the page as it is (Nunjucks escaped the variables): the app's own templates only, refused in generated and federated content.",
  },
];
