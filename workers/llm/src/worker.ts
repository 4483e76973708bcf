/**
 * The LLM Worker: the LlmService's methods as RPC over the router's `LLM`
 * service binding (a WorkerEntrypoint). It has no public route; the router
 * serves /llm and asks here.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { LlmEnv } from "./env.ts";
import type { GenerateRequest } from "./generate.ts";
import { llmService, type LlmService } from "./service.ts";
import type { InteractionKind } from "./store.ts";

export default class LlmWorker extends WorkerEntrypoint<LlmEnv> implements LlmService {
  private service(): LlmService {
    return llmService(this.env);
  }
  override fetch(): Response {
    return new Response("The LLM Worker answers over its service binding (RPC); the router serves /llm.", { status: 404 });
  }
  generate(request: GenerateRequest) {
    return this.service().generate(request);
  }
  generation(hash: string) {
    return this.service().generation(hash);
  }
  history(conversation: string) {
    return this.service().history(conversation);
  }
  interact(hash: string, kind: InteractionKind, value: number | null, session: string | null) {
    return this.service().interact(hash, kind, value, session);
  }
  catalog() {
    return this.service().catalog();
  }
  grammar() {
    return this.service().grammar();
  }
  status() {
    return this.service().status();
  }
}
