/**
 * `npm run render-service`: the render service on RENDER_SERVICE_PORT, its
 * settings from the environment (see the README's table).
 */
import { openEngine, type Backend } from "../render.ts";
import { MediaStore } from "../store.ts";
import { DEFAULTS, RenderService } from "./service.ts";

class SettingError extends Error {}

function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new SettingError(`${name} is a whole number >= ${min}, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

export async function main(): Promise<number> {
  const log = (line: string): void => console.log(`render-service: ${line}`);
  let service: RenderService;
  let port: number;
  try {
    port = int("RENDER_SERVICE_PORT", 8790, 0);
    const backendName = process.env.RENDER_BACKEND || null;
    if (backendName !== null && backendName !== "webgpu" && backendName !== "cpu") throw new SettingError(`RENDER_BACKEND is webgpu or cpu, not ${JSON.stringify(backendName)}`);
    const secret = process.env.RENDER_SECRET || null;
    const concurrency = int("RENDER_CONCURRENCY", DEFAULTS.concurrency, 1);
    const queueMax = int("RENDER_QUEUE_MAX", DEFAULTS.queueMax, 0);
    const maxBodyBytes = int("RENDER_MAX_BODY_BYTES", DEFAULTS.maxBodyBytes, 1);
    const attempts = int("RENDER_CALLBACK_ATTEMPTS", 5, 1);
    const cacheNodes = process.env.RENDER_CACHE_NODES !== "0";
    const { engine, why } = await openEngine(backendName as Backend | null);
    log(why);
    const store = new MediaStore();
    log(`store ${store.dir}${store.pinning ? ", pinning through PINNING_SERVICE_URL" : ""}`);
    if (!secret) console.error("render-service: RENDER_SECRET is not set: POST /jobs answers 503 until it is");
    service = new RenderService({ engine, store, secret, concurrency, queueMax, maxBodyBytes, cacheNodes, callback: { attempts } });
  } catch (e) {
    console.error(`render-service: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const address = await service.listen(port, process.env.RENDER_SERVICE_HOST || undefined).catch((e: unknown) => {
    console.error(`render-service: cannot listen on port ${port}: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  });
  if (!address) return 1;
  const h = service.health();
  log(`listening on http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port} (concurrency ${h.concurrency}, queue ${h.queueMax})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    void service.close().then(() => process.exit(0));
    // Renders in flight are not waited for long: their outputs would be computed again.
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // Nothing a job does may take the service down: an error that escaped is one line in the log.
  process.on("uncaughtException", (e) => console.error(`render-service: uncaught: ${e instanceof Error ? e.message : String(e)}`));
  process.on("unhandledRejection", (e) => console.error(`render-service: unhandled rejection: ${e instanceof Error ? e.message : String(e)}`));
  return 0;
}
