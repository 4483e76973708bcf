/**
 * Leaf executors by node kind: what computes a node when no tier has it. The
 * HTML kinds are registered by their hosts: `page` (evaluate a route for a
 * request, by the router), `hole` (render a visitor's part, by the router),
 * `component` (run a component call, here), and `query`, `fragment` and
 * `action` (the resolver's batched calls). A media kind registers the same
 * way, and is resolved by the same walk.
 */
import type { NodeKind } from "./trace.ts";

export interface Leaf<Job, Out> {
  readonly kind: NodeKind;
  execute(job: Job): Promise<Out>;
}

export class Leaves {
  private readonly byKind = new Map<NodeKind, Leaf<never, unknown>>();

  register<Job, Out>(leaf: Leaf<Job, Out>): this {
    this.byKind.set(leaf.kind, leaf as Leaf<never, unknown>);
    return this;
  }

  get<Job, Out>(kind: NodeKind): Leaf<Job, Out> {
    const leaf = this.byKind.get(kind);
    if (!leaf) throw new Error(`no executor for ${kind} nodes`);
    return leaf as unknown as Leaf<Job, Out>;
  }
}
