/** The router's bindings and settings federation reads (env.ts gathers them into WorkerEnv). */
export interface FederationBindings {
  /** Outgoing activities (deliveries, fan-out); absent: sent during the request that makes them. */
  FEDERATION_QUEUE?: Queue;
  /** "true": actors and objects on private addresses (127.0.0.1) may be fetched: two local instances (development and tests only). */
  FEDERATION_ALLOW_PRIVATE_ADDRESS?: string;
  /** This instance's name, shown on its actor (`npm run dev -- --instance NAME`). */
  INSTANCE_NAME?: string;
}
