/**
 * A generation's provenance as ActivityStreams: a `Create` by the site's LLM
 * actor (an `Application`) of a `Document` whose `source` is the canonical
 * s-expression, with what made it (provider, model, catalog hash, prompt
 * hash, the repairs) and where its bytes are (`ipfs://<cid>`). Federation
 * delivers these later; today they are published at
 * `/llm/generations/<hash>`.
 */
import type { Generation } from "./store.ts";

export const ACTIVITY_JSON = 'application/activity+json; charset=utf-8';
const CONTEXT = ["https://www.w3.org/ns/activitystreams", { rose: "https://rose-ash.example/ns#" }];

/** The LLM actor: who the generations are attributed to. */
export function llmActor(origin: string): Record<string, unknown> {
  return {
    "@context": CONTEXT,
    id: `${origin}/llm/actor`,
    type: "Application",
    name: "Rose Ash page writer",
    summary: "Writes pages in the site's s-expression vocabulary from what people ask for; every page is validated before it is shown.",
    url: `${origin}/llm`,
  };
}

export function creationOf(g: Generation, origin: string): Record<string, unknown> {
  const id = `${origin}/llm/generations/${g.hash}`;
  return {
    "@context": CONTEXT,
    id: `${id}#create`,
    type: "Create",
    actor: `${origin}/llm/actor`,
    published: g.createdAt,
    object: {
      id,
      type: "Document",
      attributedTo: `${origin}/llm/actor`,
      name: g.prompt.slice(0, 120),
      published: g.createdAt,
      mediaType: "text/html",
      url: [
        { type: "Link", mediaType: "text/html", href: `${origin}/llm/g/${g.hash}/` },
        { type: "Link", mediaType: "application/x-sexp", href: `ipfs://${g.cid}` },
      ],
      source: { content: g.sexp, mediaType: "application/x-sexp" },
      "rose:hash": g.hash,
      "rose:cid": g.cid,
      "rose:provider": g.provider,
      "rose:model": g.model,
      "rose:catalogHash": g.catalogHash,
      "rose:promptHash": g.promptHash,
      "rose:repairs": g.repairs,
      "rose:rounds": g.rounds,
      ...(g.parent ? { inReplyTo: `${origin}/llm/generations/${g.parent}` } : {}),
    },
  };
}
