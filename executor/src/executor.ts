/**
 * The executor of one request (or one re-render): the site it renders, the
 * stores (kept per isolate, given), the leaf executors by node kind, and the
 * trace of what it did. Cheap to make: one per request.
 */
import type { ComponentHook } from "@rose-ash/sexp";
import { componentHook } from "./components.ts";
import type { SiteModel, Walk } from "./context.ts";
import { fillHoles, type FilledPage } from "./holes.ts";
import { TracedIo, type IoCaller } from "./io.ts";
import { pageName, type PageKey } from "./keys.ts";
import type { Leaves } from "./leaves.ts";
import { Lru } from "./lru.ts";
import type { PartsScope } from "./parts.ts";
import { resolvePage, type PageJob, type PageRender, type PageResolution } from "./resolve.ts";
import type { Stores } from "./stores.ts";
import type { Template } from "./templates.ts";
import { Trace } from "./trace.ts";

/** What an executor is made of: the rest of a `Walk` it makes itself. */
export type ExecutorOptions = Pick<Walk, "site" | "stores" | "leaves" | "defer" | "sessionReads" | "dataReads">;

/** The last trace of each page, in this isolate, for `/_sexp/plan`. */
const lastTraces = new Lru<Trace>(256, () => 1);

export class Executor implements Walk {
  readonly site: SiteModel;
  readonly stores: Stores;
  readonly leaves: Leaves;
  readonly defer: (p: Promise<unknown>) => void;
  readonly sessionReads: ReadonlySet<string>;
  readonly dataReads: ReadonlySet<string>;
  readonly trace = new Trace();

  constructor(options: ExecutorOptions) {
    this.site = options.site;
    this.stores = options.stores;
    this.leaves = options.leaves;
    this.defer = options.defer;
    this.sessionReads = options.sessionReads;
    this.dataReads = options.dataReads;
  }

  /** Resolve a page: from its pointer, or rendered (and published when it may be shared). See resolve.ts. */
  resolvePage<J extends PageJob, R extends PageRender>(job: J): Promise<PageResolution<R>> {
    return resolvePage<J, R>(this, job);
  }

  /** The component plan for a render: holes and `:cache` components (components.ts). */
  componentHook(scope: PartsScope): ComponentHook {
    return componentHook(this, scope);
  }

  /** A shared page with its holes filled for this request's visitor (holes.ts). */
  fillHoles(template: Template, scope: PartsScope): Promise<FilledPage> {
    return fillHoles(this, template, scope);
  }

  /** The request's I/O through this executor: traced, done by the registered I/O leaves. */
  io<Op extends string, Args, Answer>(client: IoCaller<Op, Args, Answer>): TracedIo<Op, Args, Answer> {
    return new TracedIo(this, client);
  }

  /** Keep this trace as the last one of `page` (what `/_sexp/plan` shows). */
  remember(page: PageKey): void {
    lastTraces.set(pageName(page), this.trace);
  }

  /** The last trace of a page in this isolate, or null. */
  static lastTrace(page: PageKey): Trace | null {
    return lastTraces.get(pageName(page));
  }
}
