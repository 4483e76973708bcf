// The bindings the Worker tests see (the router's wrangler.toml), for every project whose tests run in workerd.
import type { DependencyIndex, IpnsPointer, RateLimiter, RenderJob } from "../durable-objects/src/index.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      POINTERS: DurableObjectNamespace<IpnsPointer>;
      LIMITS: DurableObjectNamespace<RateLimiter>;
      WARM: R2Bucket;
      HOT: KVNamespace;
      IPNS_ROUTING_URL: string;
      DEPENDENCIES: DurableObjectNamespace<DependencyIndex>;
      RENDER_JOBS: DurableObjectNamespace<RenderJob>;
      TEST_RENDER_SERVICE_URL: string;
    }
  }
}
