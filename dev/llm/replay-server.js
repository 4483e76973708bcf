#!/usr/bin/env node
// @ts-check
/**
 * A local server speaking the OpenAI-compatible chat protocol that REPLAYS
 * recorded model replies (dev/llm/replies.json), so the LLM Worker's real
 * provider adapter, extraction, repair rounds and refusals run against
 * answers real models give, broken and hostile ones included. It is not a
 * model and does not pretend to be one: a prompt it has no recording for is
 * refused (400, "no recorded reply for ...").
 *
 *   POST /v1/chat/completions  {model, messages, stream?, stream_options?, max_tokens?, grammar?, ...}
 *                              -> SSE `data: {choices: [{delta: {content}}]}` chunks, then `data: [DONE]`
 *                                 (stream: true), or JSON {choices: [{message: {content}}], usage}
 *   GET  /v1/models            -> {object: "list", data: [{id}]}
 *   GET  /_requests            -> the request bodies received on /v1/chat/completions, oldest first
 *   DELETE /_requests          -> forget them (204)
 *
 * A scenario is `{match, replies}`: `match` a substring (any case) of the
 * user message that asked; the n-th call of an exchange gets `replies[n]`
 * (the last one again past the end). n counts the assistant messages after
 * that user message, each followed by a user message (the validator's errors
 * sent back): round 0 is the first answer, round 1 the answer after the first
 * repair prompt, and so on. Few-shot examples before the prompt do not count.
 * A reply is text, or:
 *
 *   {"status": 500, "error": "..."}         the endpoint fails with that status (and `headers`, if given)
 *   {"delay_ms": 60000, "then"?: reply}     answer nothing for that long (a hang, for timeouts), then `then`
 *   {"chunks": ["(div", " \"hi\")"], "chunk_delay_ms"?: 5}
 *                                           exactly these stream chunks (joined when not streaming)
 *
 * Text replies are streamed in token-sized pieces. `max_tokens` is honoured
 * as a real server would (about 4 characters a token; `finish_reason: "length"`).
 *
 *   node dev/llm/replay-server.js [--port N] [--model NAME] [--api-key KEY] [replies.json]
 *   LLM_BASE_URL=http://127.0.0.1:PORT/v1 LLM_MODEL=replay npm run dev
 */
import { randomUUID } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** @typedef {{ status: number, error: string, headers?: Record<string, string> }} ErrorReply */
/** @typedef {{ delay_ms: number, then?: Reply }} DelayReply */
/** @typedef {{ chunks: string[], chunk_delay_ms?: number }} ChunksReply */
/** @typedef {string | ErrorReply | DelayReply | ChunksReply} Reply */
/** @typedef {{ name?: string, note?: string, match: string, replies: Reply[] }} Scenario */
/** @typedef {{ role: string, content: string }} Message */
/** @typedef {{ scenario: Scenario, round: number, reply: Reply }} Choice */

/** The recorded replies kept with the repository. */
export const REPLIES_FILE = fileURLToPath(new URL("./replies.json", import.meta.url));

/** Characters a token is taken to be (for usage counts and `max_tokens`). */
const CHARS_PER_TOKEN = 4;

/**
 * Scenarios from a replies file: `{"scenarios": [...]}` or a bare list. Checked, with where a problem is.
 * @param {string} [file]
 * @returns {Scenario[]}
 */
export function loadReplies(file = REPLIES_FILE) {
  let json;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return checkScenarios(json, file);
}

/**
 * @param {unknown} value `{"scenarios": [...]}` or a list of scenarios
 * @param {string} [where] for messages
 * @returns {Scenario[]}
 */
export function checkScenarios(value, where = "replies") {
  const list = Array.isArray(value) ? value : /** @type {{ scenarios?: unknown }} */ (value)?.scenarios;
  if (!Array.isArray(list)) throw new Error(`${where}: a list of scenarios, or {"scenarios": [...]}`);
  list.forEach((s, i) => {
    const at = `${where}: scenario ${i}${s && typeof s.name === "string" ? ` (${s.name})` : ""}`;
    if (!s || typeof s !== "object") throw new Error(`${at}: an object {match, replies}`);
    if (typeof s.match !== "string" || !s.match.trim()) throw new Error(`${at}: match is a non-empty string`);
    if (!Array.isArray(s.replies) || s.replies.length === 0) throw new Error(`${at}: replies is a non-empty list`);
    s.replies.forEach((/** @type {unknown} */ r, /** @type {number} */ j) => checkReply(r, `${at}, reply ${j}`));
  });
  return /** @type {Scenario[]} */ (list);
}

/** @param {unknown} r @param {string} at */
function checkReply(r, at) {
  if (typeof r === "string") return;
  const o = /** @type {Record<string, unknown>} */ (r);
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new Error(`${at}: text, {status, error}, {delay_ms} or {chunks}`);
  if ("status" in o) {
    if (!Number.isInteger(o.status) || Number(o.status) < 400 || Number(o.status) > 599) throw new Error(`${at}: status is an HTTP error status (400..599)`);
    if (typeof o.error !== "string") throw new Error(`${at}: error is the message, a string`);
  } else if ("delay_ms" in o) {
    if (typeof o.delay_ms !== "number" || o.delay_ms < 0) throw new Error(`${at}: delay_ms is a number of milliseconds`);
    if (o.then !== undefined) checkReply(o.then, `${at}, then`);
  } else if ("chunks" in o) {
    if (!Array.isArray(o.chunks) || o.chunks.some((c) => typeof c !== "string")) throw new Error(`${at}: chunks is a list of strings`);
  } else throw new Error(`${at}: text, {status, error}, {delay_ms} or {chunks}`);
}

/**
 * The text a reply answers with, or null for one that fails.
 * @param {Reply | undefined} reply
 * @returns {string | null}
 */
export function textOf(reply) {
  if (reply === undefined) return null;
  if (typeof reply === "string") return reply;
  if ("chunks" in reply) return reply.chunks.join("");
  if ("delay_ms" in reply) return textOf(reply.then);
  return null;
}

/**
 * Which scenario a conversation is, and which round of it this call is.
 * First the strict reading: the user message `2n` from the end names a
 * scenario, and the `n` assistant messages after it are that scenario's own
 * replies 0..n-1 (as read: a prefix, where reading stopped at the first form),
 * each followed by a user message (the repair prompt, naming no other
 * scenario); the longest such chain wins. Otherwise the last user message
 * naming a scenario, its round the number of assistant messages after it.
 * @param {readonly Scenario[]} scenarios
 * @param {readonly Message[]} messages
 * @returns {Choice | null}
 */
export function choose(scenarios, messages) {
  const last = messages.length - 1;
  for (let n = Math.floor(last / 2); n >= 0; n--) {
    const origin = last - 2 * n;
    const asked = messages[origin];
    if (asked?.role !== "user") continue;
    const scenario = scenarioFor(scenarios, asked.content);
    if (!scenario) continue;
    let ours = true;
    for (let k = 0; k < n && ours; k++) {
      const answer = messages[origin + 1 + 2 * k];
      const next = messages[origin + 2 + 2 * k];
      // The message after an answer is the validator's errors (which may quote the prompt), not a prompt of another scenario.
      const names = next?.role === "user" ? scenarioFor(scenarios, next.content) : null;
      ours = answer?.role === "assistant" && next?.role === "user" && next.content !== asked.content && (names === null || names === scenario) && isReply(scenario, k, answer.content);
    }
    if (ours) return { scenario, round: n, reply: replyAt(scenario, n) };
  }
  for (let i = last; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "user") continue;
    const scenario = scenarioFor(scenarios, m.content);
    if (!scenario) continue;
    const round = messages.slice(i + 1).filter((x) => x.role === "assistant").length;
    return { scenario, round, reply: replyAt(scenario, round) };
  }
  return null;
}

/** The scenario whose `match` the text holds (any case); of several, the longest match. @param {readonly Scenario[]} scenarios @param {string} text */
function scenarioFor(scenarios, text) {
  const lower = text.toLowerCase();
  let best = /** @type {Scenario | null} */ (null);
  for (const s of scenarios) if (lower.includes(s.match.toLowerCase()) && (!best || s.match.length > best.match.length)) best = s;
  return best;
}

/** @param {Scenario} scenario @param {number} round */
function replyAt(scenario, round) {
  return /** @type {Reply} */ (scenario.replies[Math.min(round, scenario.replies.length - 1)]);
}

/** Whether an assistant message is (the start of) the scenario's reply of that round. @param {Scenario} scenario @param {number} round @param {string} content */
function isReply(scenario, round, content) {
  const text = textOf(replyAt(scenario, round));
  if (text === null) return false;
  const [a, b] = [text.trim(), content.trim()];
  return b === "" ? a === "" : a.startsWith(b) || b.startsWith(a);
}

/** A message's text: a string, or the text parts of a list of parts. @param {unknown} content */
function contentText(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && typeof p.text === "string" ? p.text : "")).join("");
  return "";
}

/** Token-sized pieces of a text (whitespace, then up to 6 other characters), joining back to it exactly. @param {string} text */
export function pieces(text) {
  return text.match(/\s*\S{1,6}|\s+/g) ?? [];
}

/** @param {string} text */
const tokens = (text) => Math.ceil(text.length / CHARS_PER_TOKEN);

/**
 * @param {{ port?: number, replies?: Scenario[] | string, model?: string, apiKey?: string }} [options]
 *   replies: scenarios, or the file to read them from (default dev/llm/replies.json);
 *   model: the id /v1/models lists (answers echo the model asked for);
 *   apiKey: when set, `Authorization: Bearer <apiKey>` is required (401 otherwise)
 * @returns {Promise<{ url: string, requests: () => Record<string, unknown>[], close: () => Promise<void> }>}
 *   url: up to and including /v1
 */
export async function startReplayServer({ port = 0, replies = REPLIES_FILE, model = "replay", apiKey } = {}) {
  const scenarios = typeof replies === "string" ? loadReplies(replies) : checkScenarios(replies);
  /** @type {Record<string, unknown>[]} */
  const received = [];

  const server = createServer(async (req, res) => {
    /** @param {number} status @param {unknown} [body] @param {Record<string, string>} [headers] */
    const send = (status, body, headers = {}) => {
      res.writeHead(status, body === undefined ? headers : { "content-type": "application/json", ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    /** @param {number} status @param {string} message @param {Record<string, string>} [headers] */
    const fail = (status, message, headers) =>
      send(status, { error: { message, type: status >= 500 ? "server_error" : status === 401 ? "authentication_error" : "invalid_request_error", code: status } }, headers);
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/\/+$/, "");

    if (path === "/_requests") {
      if (req.method === "GET") return send(200, received);
      if (req.method === "DELETE") return (received.splice(0), send(204));
      return fail(405, "GET or DELETE /_requests");
    }
    if (apiKey !== undefined && req.headers.authorization !== `Bearer ${apiKey}`) return fail(401, "Invalid API key: send Authorization: Bearer <key>");
    if (path === "/v1/models") {
      if (req.method !== "GET") return fail(405, "GET /v1/models");
      return send(200, { object: "list", data: [{ id: model, object: "model", created: 0, owned_by: "replay" }] });
    }
    if (path !== "/v1/chat/completions") return fail(404, `no such endpoint: ${req.method} ${url.pathname}`);
    if (req.method !== "POST") return fail(405, "POST /v1/chat/completions");

    let text = "";
    for await (const chunk of req) text += chunk;
    /** @type {Record<string, unknown>} */
    let body;
    try {
      body = JSON.parse(text);
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
    } catch {
      return fail(400, "the body is not a JSON object");
    }
    received.push(body);
    if (!Array.isArray(body.messages) || body.messages.length === 0) return fail(400, "messages: a non-empty list of {role, content}");
    /** @type {Message[]} */
    const messages = body.messages.map((/** @type {{ role?: unknown, content?: unknown }} */ m) => ({ role: String(m?.role ?? ""), content: contentText(m?.content) }));
    if (messages.some((m) => !["system", "user", "assistant", "tool", "developer"].includes(m.role))) return fail(400, "messages: each has a role of system, user or assistant");

    const choice = choose(scenarios, messages);
    if (!choice) {
      const asked = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
      return fail(400, `no recorded reply for ${JSON.stringify(asked.length > 120 ? `${asked.slice(0, 120)}...` : asked)} (this is a replay server: record one in dev/llm/replies.json)`);
    }

    // Gone: the client stopped reading (it had a complete form) or gave up (its timeout).
    let gone = false;
    res.on("close", () => (gone = true));
    let reply = choice.reply;
    while (typeof reply === "object" && "delay_ms" in reply) {
      await sleep(reply.delay_ms, () => gone);
      if (gone) return;
      if (reply.then === undefined) return fail(504, `the model did not answer within ${reply.delay_ms} ms`);
      reply = reply.then;
    }
    if (typeof reply === "object" && "status" in reply) return fail(reply.status, reply.error, reply.headers);

    const answerModel = typeof body.model === "string" && body.model ? body.model : model;
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = tokens(messages.map((m) => m.content).join("\n"));
    const maxChars = Number.isInteger(body.max_tokens) && Number(body.max_tokens) > 0 ? Number(body.max_tokens) * CHARS_PER_TOKEN : Infinity;
    let chunks = typeof reply === "string" ? pieces(reply) : reply.chunks;
    const delay = typeof reply === "object" && "chunks" in reply ? (reply.chunk_delay_ms ?? 0) : 0;
    // max_tokens cuts the answer, as a server would.
    let finish = "stop";
    if (chunks.join("").length > maxChars) {
      finish = "length";
      /** @type {string[]} */
      const kept = [];
      let left = maxChars;
      for (const c of chunks) {
        if (left <= 0) break;
        kept.push(c.slice(0, left));
        left -= c.length;
      }
      chunks = kept;
    }
    const content = chunks.join("");
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens(content), total_tokens: promptTokens + tokens(content) };

    if (body.stream !== true) {
      return send(200, {
        id,
        object: "chat.completion",
        created,
        model: answerModel,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finish }],
        usage,
      });
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
    /** @param {unknown} data */
    const event = (data) => !gone && res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    /** @param {Record<string, unknown>} delta @param {string | null} finishReason */
    const chunk = (delta, finishReason) => ({ id, object: "chat.completion.chunk", created, model: answerModel, choices: [{ index: 0, delta, finish_reason: finishReason }] });
    event(chunk({ role: "assistant", content: "" }, null));
    for (const piece of chunks) {
      if (delay) await sleep(delay, () => gone);
      if (gone) return;
      event(chunk({ content: piece }, null));
    }
    event(chunk({}, finish));
    const options = /** @type {{ include_usage?: unknown } | undefined} */ (body.stream_options);
    if (options?.include_usage === true) event({ id, object: "chat.completion.chunk", created, model: answerModel, choices: [], usage });
    event("[DONE]");
    res.end();
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    requests: () => received.slice(),
    close: () =>
      new Promise((resolve) => {
        // A hanging reply holds its connection open: end those too.
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/** Wait `ms`, or less once `stop()` says so (checked every 50 ms). @param {number} ms @param {() => boolean} stop */
async function sleep(ms, stop) {
  const end = Date.now() + ms;
  while (!stop() && Date.now() < end) await new Promise((r) => setTimeout(r, Math.min(50, end - Date.now())));
}

/** @param {string[]} argv */
async function main(argv) {
  /** @type {{ port: number, replies: string, model: string, apiKey?: string }} */
  const options = { port: 0, replies: REPLIES_FILE, model: "replay" };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--port") options.port = Number(value());
    else if (a === "--model") options.model = value();
    else if (a === "--api-key") options.apiKey = value();
    else if (a === "-h" || a === "--help") {
      console.log("node dev/llm/replay-server.js [--port N] [--model NAME] [--api-key KEY] [replies.json]");
      return;
    } else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else options.replies = resolve(a);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error("--port is a port number (0: any free one)");
  const server = await startReplayServer(options);
  console.log(`listening on ${server.url}`);
  console.log(`  replaying ${options.replies} as model ${JSON.stringify(options.model)}; LLM_BASE_URL=${server.url} LLM_MODEL=${options.model} npm run dev`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
