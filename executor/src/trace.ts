/**
 * What one resolve did, node by node: the page, the components and holes of
 * it, and the I/O leaves (queries, fragments, actions), each with its kind,
 * key, the tier that answered (or that it ran), hit or miss, and the time
 * it took. `/_sexp/plan` draws it.
 */

/** The kinds of node: the HTML executors', and `media` (a render embedded in a page). */
export type NodeKind = "page" | "component" | "hole" | "query" | "fragment" | "action" | "media" | (string & {});

/** `pending`: a media node whose render was asked for and has not landed (the page shows it as pending). */
export type NodeState = "hit" | "miss" | "stale" | "bypass" | "ran" | "failed" | "pending";

export interface TraceNode {
  readonly id: number;
  readonly parent: number | null;
  readonly kind: NodeKind;
  /** What people call it: a path, a component's name, `blog/post-by-slug`. */
  readonly label: string;
  /** Its key (a pointer name, an input key), or null when it has none (a leaf that is not kept). */
  key: string | null;
  /** Where its answer came from: `pointer` (a page by its pointer and stored bytes), `hot`, `resolver`, `render`. */
  tier: string | null;
  state: NodeState | null;
  ms: number;
  readonly started: number;
}

export class Trace {
  readonly nodes: TraceNode[] = [];
  private readonly begun = Date.now();

  /** When it began (ISO 8601), formatted only when someone looks. */
  get at(): string {
    return new Date(this.begun).toISOString();
  }

  start(kind: NodeKind, label: string, parent: TraceNode | null = null, key: string | null = null): TraceNode {
    const node: TraceNode = { id: this.nodes.length, parent: parent?.id ?? null, kind, label, key, tier: null, state: null, ms: 0, started: Date.now() };
    this.nodes.push(node);
    return node;
  }

  finish(node: TraceNode, state: NodeState, tier: string | null, key: string | null = node.key): void {
    node.state = state;
    node.tier = tier;
    node.key = key;
    node.ms = Date.now() - node.started;
  }
}
