/**
 * @rose-ash/executor: one walk, analyze -> plan -> execute -> cache, over a
 * page's DAG of content-addressed nodes (the page, its components and holes,
 * its queries and fragments, its media), with its stores behind small
 * interfaces. The router serves HTTP and asks it; content changes re-render
 * through it; so will the render service and federation.
 */
export { Executor, type ExecutorOptions } from "./executor.ts";
export type { SiteModel, Walk } from "./context.ts";
export type { PageJob, PageLeaf, PageRender, PageResolution, Streaming, StoredPage } from "./resolve.ts";
export { isHole, routeIsShared, type RenderFacts } from "./plan.ts";
export { componentLeaf, USER_TTL_S, type ComponentJob } from "./components.ts";
export { type FilledPage, type HoleJob, type HoleRender } from "./holes.ts";
export { ioLeaf, type IoCaller, type IoJob } from "./io.ts";
export { Leaves, type Leaf } from "./leaves.ts";
export { recipeRequest, resolveMedia, type MediaAnswer, type MediaJob, type MediaLeaf, type MediaRequest } from "./media.ts";
export type { PartsScope } from "./parts.ts";
export { canonicalPath, dependencyName, mediaName, pageName, type Dependency, type PageKey } from "./keys.ts";
export { templateOf, type Template } from "./templates.ts";
export { Trace, type NodeKind, type NodeState, type TraceNode } from "./trace.ts";
export { metrics, type TierMetrics } from "./metrics.ts";
export { Lru } from "./lru.ts";
export { pagesOf, type CallStore, type DependencyStore, type Moved, type NamedPointerStore, type PageStores, type PointerState, type PointerStore, type ResultStore, type Seen, type Stores } from "./stores.ts";
export { memoryCalls, memoryDependencies, memoryNamedPointers, memoryPointers, memoryResults } from "./stores/memory.ts";
export { POINTER_TTL_MS, durableDependencies, durableNamedPointers, durablePointers, hotCalls, hotResults } from "./stores/workers.ts";
