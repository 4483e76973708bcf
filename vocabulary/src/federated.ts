/**
 * Documents other instances federated: `(federated doc)` renders one inside
 * a page, `doc` a row of the query `federation document` (its canonical
 * `:source` and the `:definitions` it came with, verified when received).
 * The router does it (workers/router/src/federated.ts): the document is
 * checked with the federated policy (untrusted, and nothing that reads or
 * writes here) against the site, the site's own components winning over the
 * origin's, then evaluated in the page under the policy's limits.
 */
import type { PrimitiveDoc } from "./spec.ts";

export const FEDERATED_PRIMITIVES: readonly PrimitiveDoc[] = [
  {
    io: true,
    name: "federated",
    params: "doc",
    doc:
      "Render a document another instance federated (a row of the query federation document: {:source ... :definitions ({:name :source :hash :cid} ...)}), " +
      "checked with the federated policy against the site; the site's own components win over the origin's, which are used only where the site has none.",
  },
];
