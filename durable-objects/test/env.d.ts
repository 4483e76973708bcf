// The bindings the Worker tests see (the router's wrangler.toml).
import type { IpnsPointer } from "../src/index.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      POINTERS: DurableObjectNamespace<IpnsPointer>;
    }
  }
}
