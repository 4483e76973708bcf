// @ts-check
/**
 * A local server speaking the Upstash Redis REST protocol in front of a real
 * Redis, so the production `@upstash/redis` adapter runs unchanged in
 * development and tests:
 *
 *   POST /            ["SET", "k", "v", "EX", 60]      -> {"result": "OK"}
 *   POST /pipeline    [["GET", "k"], ["INCR", "n"]]    -> [{"result": ...}, {"error": ...}]
 *   POST /multi-exec  [[...], [...]]  (MULTI ... EXEC) -> [{"result": ...}, ...]
 *
 * `Authorization: Bearer <token>` is required. With `Upstash-Encoding:
 * base64`, string results come back base64-encoded (except "OK"), as Upstash
 * sends them. A failed command is `{"error": "ERR ..."}` (HTTP 400 alone).
 */
import { createServer } from "node:http";
import { createClient } from "redis";

/**
 * @param {{ redisUrl?: string, token: string, port?: number }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startUpstashServer({ redisUrl = "redis://127.0.0.1:6379", token, port = 0 }) {
  const redis = createClient({ url: redisUrl });
  redis.on("error", (e) => console.warn(`upstash server: redis: ${e.message}`));
  await redis.connect();

  /** @param {unknown[]} command */
  const args = (command) => {
    if (!Array.isArray(command) || command.length === 0) throw new Error("ERR a command is a non-empty JSON array");
    return command.map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
  };
  /** @param {unknown} value @param {boolean} base64 @returns {unknown} */
  const encode = (value, base64) => {
    if (!base64) return value;
    if (typeof value === "string") return value === "OK" ? value : Buffer.from(value, "utf8").toString("base64");
    if (Array.isArray(value)) return value.map((v) => encode(v, base64));
    return value;
  };
  /** @param {unknown} e */
  const message = (e) => (e instanceof Error ? e.message : String(e));

  const server = createServer(async (req, res) => {
    const send = (/** @type {number} */ status, /** @type {unknown} */ body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: "Unauthorized" });
    if (req.method !== "POST") return send(405, { error: "POST a command" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    let body;
    try {
      let text = "";
      for await (const chunk of req) text += chunk;
      body = JSON.parse(text);
    } catch {
      return send(400, { error: "ERR the body is not JSON" });
    }
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (path === "/" || path === "") {
        return send(200, { result: encode(await redis.sendCommand(args(body)), base64) });
      }
      if (!Array.isArray(body)) return send(400, { error: "ERR a pipeline is a JSON array of commands" });
      if (path === "/pipeline") {
        const results = await Promise.all(
          body.map((c) => Promise.resolve().then(() => redis.sendCommand(args(c))).then((r) => ({ result: encode(r, base64) }), (e) => ({ error: message(e) }))),
        );
        return send(200, results);
      }
      if (path === "/multi-exec") {
        const multi = redis.multi();
        for (const c of body) multi.addCommand(args(c));
        const results = await multi.exec();
        return send(200, results.map((r) => (r instanceof Error ? { error: r.message } : { result: encode(r, base64) })));
      }
      return send(404, { error: `ERR unknown endpoint ${path}` });
    } catch (e) {
      return send(400, { error: message(e) });
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      await redis.quit();
    },
  };
}
