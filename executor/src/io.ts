/**
 * A request's I/O leaves (queries, fragments, actions), through the
 * executor: each call is a node of the trace, and is done by the leaf
 * registered for its kind (the resolver's batched client, which the job
 * carries).
 */
import type { Walk } from "./context.ts";
import type { Leaf } from "./leaves.ts";

/** What makes the I/O calls: the resolver's per-request client, or anything shaped like it. */
export interface IoCaller<Op extends string, Args, Answer> {
  call(op: Op, service: string, name: string, args: Args): Promise<Answer>;
}

export interface IoJob<Op extends string, Args, Answer> {
  readonly client: IoCaller<Op, Args, Answer>;
  readonly op: Op;
  readonly service: string;
  readonly name: string;
  readonly args: Args;
}

/** The node kind of an I/O call. */
export function ioKind(op: string): "query" | "fragment" | "action" | string {
  return op === "frag" ? "fragment" : op;
}

/** The leaf that does one kind of I/O call by sending it through the request's client. */
export function ioLeaf<Op extends string, Args, Answer>(kind: string): Leaf<IoJob<Op, Args, Answer>, Answer> {
  return { kind, execute: (job) => job.client.call(job.op, job.service, job.name, job.args) };
}

export class TracedIo<Op extends string, Args, Answer> implements IoCaller<Op, Args, Answer> {
  constructor(
    private readonly exec: Walk,
    readonly client: IoCaller<Op, Args, Answer>,
  ) {}

  call(op: Op, service: string, name: string, args: Args): Promise<Answer> {
    const kind = ioKind(op);
    const node = this.exec.trace.start(kind, `${service}/${name}`);
    const leaf = this.exec.leaves.get<IoJob<Op, Args, Answer>, Answer>(kind);
    return leaf.execute({ client: this.client, op, service, name, args }).then(
      (answer) => (this.exec.trace.finish(node, "ran", "resolver"), answer),
      (e: unknown) => {
        this.exec.trace.finish(node, "failed", "resolver");
        throw e;
      },
    );
  }
}
