#!/usr/bin/env node
// @ts-check
/**
 * The local-gguf provider: a development sidecar serving a GGUF model through
 * node-llama-cpp (llama.cpp) over the OpenAI-compatible protocol, so the LLM
 * Worker's `openai-compatible` adapter talks to it as to llama-server:
 *
 *   LOCAL_GGUF=path/model.gguf node dev/local-gguf/server.js [PORT]
 *
 * prints `listening on http://127.0.0.1:PORT/v1` (PORT from the argument or
 * the PORT variable; 0 or none picks a free one) and serves
 *
 *   GET  /v1/models             the model(s) loaded
 *   POST /v1/chat/completions   {model, messages, max_tokens, temperature (0: greedy),
 *                               seed, stop, top_p, top_k, min_p, logit_bias,
 *                               frequency_penalty, presence_penalty, stream,
 *                               stream_options.include_usage, and llama-server's
 *                               `grammar`: a GBNF string the output must match}
 *   POST /tokenize              {content} -> {tokens} (as llama-server; for tests)
 *   GET  /health                {status: "ok"}
 *
 * Streaming answers are server-sent events: `data: {chunk}` with
 * `choices[0].delta.content`, then `data: [DONE]`. Messages become a prompt
 * through the model's chat template when it has one, else a plain transcript
 * (`role: content` lines ending in `assistant:`). A grammar that does not
 * compile is a 400 with llama.cpp's parser message; an engine failure a 500
 * `{error: {message}}`, never a stack trace.
 *
 * LOCAL_GGUF may name several files, separated by the path delimiter (":" here);
 * `model` picks one by file name (with or without .gguf); with a single model,
 * any name is served by it, as llama-server does. Models are loaded once, with
 * their own context; requests run one at a time. Settings: LOCAL_GGUF_THREADS
 * (default 1 on machines of up to 2 cores, else min(cores, 4)),
 * LOCAL_GGUF_CONTEXT (default min(the model's, 8192) tokens), LOCAL_GGUF_GPU
 * ("auto", "cuda", "vulkan", "metal"; default none: the CPU build),
 * LOCAL_GGUF_LOG (llama.cpp's log level, default "error").
 * node-llama-cpp never builds or downloads anything here (`build: "never"`):
 * `node dev/local-gguf/install.js` installs it with this platform's prebuilt binary.
 */
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { basename, delimiter, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** @typedef {import("node:http").IncomingMessage} Req */
/** @typedef {import("node:http").ServerResponse} Res */

// The parts of node-llama-cpp used here, declared so that this file type-checks without it installed.
/** @typedef {{ grammar: string }} Grammar */
/** @typedef {{ tokenize(tokenizer: unknown): number[] }} LlamaText */
/** @typedef {{ contextText: LlamaText, stopGenerationTriggers: LlamaText[] }} ContextState */
/** @typedef {{ generateContextState(options: { chatHistory: object[] }): ContextState }} ChatWrapper */
/** @typedef {{ response: string, metadata: { stopReason: string } }} CompletionResult */
/** @typedef {{ generateCompletionWithMeta(input: number[], options: Record<string, unknown>): Promise<CompletionResult> }} Completion */
/** @typedef {{ contextSize: number, getSequence(): unknown, dispose(): Promise<void> }} Context */
/**
 * @typedef {object} Model
 * @property {(text: string, specialTokens?: boolean) => number[]} tokenize
 * @property {unknown} tokenizer
 * @property {{ shouldPrependBosToken: boolean, bos: number | null }} tokens
 * @property {number} trainContextSize
 * @property {{ metadata?: { tokenizer?: { chat_template?: string } } }} fileInfo
 * @property {(options: Record<string, unknown>) => Promise<Context>} createContext
 * @property {() => Promise<void>} dispose
 */
/**
 * @typedef {object} Llama
 * @property {(options: { modelPath: string, gpuLayers?: number | "auto" }) => Promise<Model>} loadModel
 * @property {(options: { grammar: string }) => Promise<Grammar>} createGrammar
 * @property {() => Promise<void>} dispose
 */
/**
 * @typedef {object} Engine
 * @property {(options: Record<string, unknown>) => Promise<Llama>} getLlama
 * @property {new (options: { contextSequence: unknown }) => Completion} LlamaCompletion
 * @property {(model: Model, options?: Record<string, unknown>) => ChatWrapper} resolveChatWrapper
 * @property {new (tokenizer: unknown) => { set(token: number, bias: "never" | { logit: number }): unknown }} TokenBias
 */

/** A model being served. @typedef {{ id: string, path: string, model: Model, context: Context, completion: Completion, chat?: ChatWrapper }} Served */

/** A request error: answered with its status and message. */
export class HttpError extends Error {
  /** @param {number} status @param {string} message @param {string} [code] */
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const MAX_BODY = 16 * 1024 * 1024;

/** node-llama-cpp from this folder's node_modules (dev/local-gguf/install.js). @returns {Promise<Engine>} */
async function loadEngine() {
  const specifier = "node-llama-cpp";
  try {
    return /** @type {Engine} */ (await import(specifier));
  } catch (e) {
    throw new Error(`node-llama-cpp is not installed (run \`node dev/local-gguf/install.js\`): ${e instanceof Error ? e.message.split("\n")[0] : e}`);
  }
}

/** llama.cpp on this machine: the prebuilt CPU binary unless a GPU is asked for. @param {Engine} engine @param {string} [gpu] @param {(level: string, message: string) => void} [logger] */
function getLlama(engine, gpu, logger) {
  const logLevel = process.env.LOCAL_GGUF_LOG || "error";
  return engine.getLlama({ build: "never", gpu: gpu || false, logLevel, progressLogs: false, ...(logger ? { logger } : {}) });
}

/**
 * Starts the sidecar.
 * @param {{ models: string[], port?: number, host?: string, threads?: number, contextSize?: number, gpu?: string }} options
 * @returns {Promise<{ url: string, port: number, models: string[], server: import("node:http").Server, close(): Promise<void> }>}
 */
export async function startLocalGguf({ models, port = 0, host = "127.0.0.1", threads, contextSize, gpu }) {
  if (!models.length) throw new Error("no model: set LOCAL_GGUF=path/model.gguf");
  const engine = await loadEngine();
  const cores = availableParallelism();
  const nThreads = threads ?? (cores <= 2 ? 1 : Math.min(cores, 4));
  /** llama.cpp's errors while a model loads, kept for the one line that says why it did not. @type {string[] | undefined} */
  let loadErrors;
  const llama = await getLlama(engine, gpu, (level, message) => {
    const line = message.trim();
    if (!line) return;
    if (loadErrors && (level === "error" || level === "fatal")) loadErrors.push(line);
    else process.stderr.write(`local-gguf: llama.cpp ${level}: ${line}\n`);
  });
  /** @type {Served[]} */
  const served = [];
  for (const path of models) {
    let model;
    loadErrors = [];
    try {
      model = await llama.loadModel({ modelPath: resolve(path), ...(gpu ? {} : { gpuLayers: 0 }) });
    } catch (e) {
      // The log arrives asynchronously.
      await new Promise((r) => setTimeout(r, 20));
      const why = loadErrors.map((l) => /error loading model: (.*)/.exec(l)?.[1]).find(Boolean) ?? (e instanceof Error ? e.message.split("\n")[0] : String(e));
      throw new Error(`cannot load ${path}: ${why}`);
    } finally {
      loadErrors = undefined;
    }
    const context = await model.createContext({ contextSize: Math.min(model.trainContextSize, contextSize ?? 8192), threads: nThreads, sequences: 1 });
    const completion = new engine.LlamaCompletion({ contextSequence: context.getSequence() });
    const template = model.fileInfo.metadata?.tokenizer?.chat_template;
    const chat = template ? engine.resolveChatWrapper(model) : undefined;
    served.push({ id: basename(path), path, model, context, completion, ...(chat ? { chat } : {}) });
  }

  /** @type {Map<string, Promise<Grammar>>} compiled grammars by text, the most recently used last */
  const grammars = new Map();
  /** @param {string} text */
  const grammarFor = async (text) => {
    let compiled = grammars.get(text);
    if (compiled) grammars.delete(text);
    else compiled = llama.createGrammar({ grammar: text });
    grammars.set(text, compiled);
    if (grammars.size > 16) grammars.delete(/** @type {string} */ (grammars.keys().next().value));
    try {
      return await compiled;
    } catch {
      grammars.delete(text);
      throw new HttpError(400, `grammar: ${await grammarError(text)}`, "invalid_grammar");
    }
  };

  /** Requests run one after another. */
  let queue = Promise.resolve();
  /** @template T @param {() => Promise<T>} job @returns {Promise<T>} */
  const serialized = (job) => {
    const run = queue.then(job);
    queue = run.then(
      () => {},
      () => {},
    );
    return run;
  };

  /** @param {unknown} name */
  const pick = (name) => {
    if (served.length === 1 || name === undefined || name === null || name === "") return served[0];
    const found = served.find((s) => name === s.id || name === s.id.replace(/\.gguf$/i, "") || resolve(String(name)) === resolve(s.path));
    if (!found) throw new HttpError(404, `model ${JSON.stringify(name)} is not served here; models: ${served.map((s) => s.id).join(", ")}`, "model_not_found");
    return found;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      const status = e instanceof HttpError ? e.status : 500;
      const message = e instanceof HttpError ? e.message : `engine failure: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
      if (status === 500) process.stderr.write(`local-gguf: ${message}\n`);
      if (res.headersSent) {
        // A stream already under way: the error as its last event.
        if (!res.writableEnded && !res.destroyed) res.end(`data: ${JSON.stringify({ error: { message, type: "server_error" } })}\n\ndata: [DONE]\n\n`);
        return;
      }
      sendJson(res, status, { error: { message, type: status >= 500 ? "server_error" : "invalid_request_error", ...(e instanceof HttpError && e.code ? { code: e.code } : {}) } });
    });
  });

  /** @param {Req} req @param {Res} res */
  async function handle(req, res) {
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
    if (path === "/health" && req.method === "GET") return sendJson(res, 200, { status: "ok" });
    if ((path === "/v1/models" || path === "/models") && req.method === "GET") {
      return sendJson(res, 200, {
        object: "list",
        data: served.map((s) => ({ id: s.id, object: "model", created: 0, owned_by: "local-gguf", meta: { n_ctx: s.context.contextSize, n_ctx_train: s.model.trainContextSize, chat_template: Boolean(s.chat) } })),
      });
    }
    if (path === "/tokenize" && req.method === "POST") {
      const body = await readJson(req);
      if (typeof body.content !== "string") throw new HttpError(400, "content must be a string");
      const s = pick(body.model);
      return sendJson(res, 200, { tokens: [...s.model.tokenize(body.content, false)] });
    }
    if (path === "/v1/chat/completions" || path === "/chat/completions") {
      if (req.method !== "POST") throw new HttpError(405, "use POST");
      const body = await readJson(req);
      const options = chatOptions(body);
      const s = pick(body.model);
      const abort = new AbortController();
      res.on("close", () => abort.abort());
      return serialized(() => complete(s, options, res, abort.signal));
    }
    throw new HttpError(404, `no route ${req.method} ${path}`, "not_found");
  }

  /**
   * One completion, streamed or not.
   * @param {Served} s @param {ReturnType<typeof chatOptions>} o @param {Res} res @param {AbortSignal} signal
   */
  async function complete(s, o, res, signal) {
    if (signal.aborted) return;
    const grammar = o.grammar === undefined ? undefined : await grammarFor(o.grammar);
    const { tokens, stops, transcript } = prompt(s, o.messages);
    const shift = Math.max(1, Math.floor(s.context.contextSize / 10));
    const bos = s.model.tokens.shouldPrependBosToken && s.model.tokens.bos !== null ? 1 : 0;
    if (tokens.length + bos > s.context.contextSize - shift) {
      throw new HttpError(400, `the prompt is ${tokens.length + bos} tokens; this context holds ${s.context.contextSize - shift} (LOCAL_GGUF_CONTEXT)`, "context_length_exceeded");
    }
    const id = `chatcmpl-${Date.now().toString(36)}${randomInt(1e9).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const head = { id, created, model: s.id, system_fingerprint: "local-gguf" };
    /** @param {Record<string, unknown>} delta @param {string | null} finish */
    const chunk = (delta, finish) => ({ ...head, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    const open = () => !res.writableEnded && !res.destroyed;
    /** @param {unknown} event */
    const send = (event) => void (open() && res.write(`data: ${JSON.stringify(event)}\n\n`));
    if (o.stream) {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
      send(chunk({ role: "assistant", content: "" }, null));
    }
    // In a transcript the answer follows "assistant:"; the space the model writes first is the format's, not the answer's.
    let leading = transcript;
    let completionTokens = 0;
    const result = await s.completion.generateCompletionWithMeta(tokens, {
      maxTokens: o.maxTokens,
      temperature: o.temperature,
      seed: o.seed ?? randomInt(2 ** 31),
      topK: o.topK,
      topP: o.topP,
      minP: o.minP,
      repeatPenalty: o.frequencyPenalty || o.presencePenalty ? { lastTokens: 64, penalty: 1, frequencyPenalty: o.frequencyPenalty, presencePenalty: o.presencePenalty } : false,
      ...(grammar ? { grammar } : {}),
      ...(o.logitBias.length ? { tokenBias: biasOf(s.model, o.logitBias) } : {}),
      customStopTriggers: [...stops, ...o.stop],
      signal,
      stopOnAbortSignal: true,
      onToken: (/** @type {number[]} */ t) => void (completionTokens += t.length),
      onTextChunk: (/** @type {string} */ text) => {
        if (leading) {
          text = text.replace(/^\s+/, "");
          if (!text) return;
          leading = false;
        }
        if (o.stream) send(chunk({ content: text }, null));
      },
    });
    const content = transcript ? result.response.replace(/^\s+/, "") : result.response;
    const finish = result.metadata.stopReason === "maxTokens" ? "length" : "stop";
    const usage = { prompt_tokens: tokens.length + bos, completion_tokens: completionTokens, total_tokens: tokens.length + bos + completionTokens };
    if (!open()) return;
    if (o.stream) {
      send(chunk({}, finish));
      if (o.includeUsage) send({ ...head, object: "chat.completion.chunk", choices: [], usage });
      res.end("data: [DONE]\n\n");
      return;
    }
    sendJson(res, 200, { ...head, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: finish }], usage });
  }

  /** OpenAI's logit_bias: added to the logits (-100 bans a token). End-of-text tokens are left alone (node-llama-cpp's TokenBias skips them). @param {Model} model @param {[number, number][]} biases */
  const biasOf = (model, biases) => {
    const bias = new engine.TokenBias(model.tokenizer);
    for (const [token, b] of biases) bias.set(token, b <= -100 ? "never" : { logit: b });
    return bias;
  };

  /**
   * The prompt's tokens (without the BOS the completion adds) and the stop triggers of its format.
   * @param {Served} s @param {{ role: string, content: string }[]} messages
   * @returns {{ tokens: number[], stops: (string | LlamaText)[], transcript: boolean }}
   */
  function prompt(s, messages) {
    if (s.chat) {
      const history = messages.map((m) =>
        m.role === "system" || m.role === "developer" ? { type: "system", text: m.content } : m.role === "assistant" ? { type: "model", response: [m.content] } : { type: "user", text: m.content },
      );
      if (messages.at(-1)?.role !== "assistant") history.push({ type: "model", response: [] });
      const state = s.chat.generateContextState({ chatHistory: history });
      const tokens = state.contextText.tokenize(s.model.tokenizer);
      if (tokens[0] === s.model.tokens.bos && s.model.tokens.shouldPrependBosToken) tokens.shift();
      return { tokens, stops: state.stopGenerationTriggers, transcript: false };
    }
    const last = messages.at(-1);
    const lines = messages.map((m) => `${m.role}: ${m.content}`);
    const text = last?.role === "assistant" ? lines.join("\n") : [...lines, "assistant:"].join("\n");
    // No special tokens from the messages' text: "<s>" in a prompt is text.
    return { tokens: [...s.model.tokenize(text, false)], stops: ["\nuser:"], transcript: last?.role !== "assistant" };
  }

  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => ok(undefined));
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    models: served.map((s) => s.id),
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((ok) => server.close(() => ok(undefined)));
      await queue;
      for (const s of served) await s.context.dispose().catch(() => {});
      for (const s of served) await s.model.dispose().catch(() => {});
      await llama.dispose().catch(() => {});
    },
  };
}

/**
 * A chat completion request's settings, checked.
 * @param {Record<string, unknown>} body
 */
function chatOptions(body) {
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new HttpError(400, "messages must be a non-empty array");
  const messages = body.messages.map((m, i) => {
    if (!m || typeof m !== "object" || typeof m.role !== "string") throw new HttpError(400, `messages[${i}] needs a role`);
    const c = m.content;
    const content =
      typeof c === "string"
        ? c
        : Array.isArray(c) && c.every((p) => p && p.type === "text" && typeof p.text === "string")
          ? c.map((p) => p.text).join("")
          : c === null || c === undefined
            ? ""
            : null;
    if (content === null) throw new HttpError(400, `messages[${i}].content must be text`);
    return { role: m.role, content };
  });
  /** @param {string} key @param {number} min @param {number} max @param {boolean} [integer] */
  const num = (key, min, max, integer) => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new HttpError(400, `${key} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}`);
    }
    return v;
  };
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
  if (!Array.isArray(stop) || !stop.every((s) => typeof s === "string" && s !== "")) throw new HttpError(400, "stop must be a string or an array of strings");
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw new HttpError(400, "n must be 1: one choice per request");
  if (body.grammar !== undefined && body.grammar !== null && typeof body.grammar !== "string") throw new HttpError(400, "grammar must be a GBNF string");
  const streamOptions = /** @type {{ include_usage?: unknown } | undefined} */ (body.stream_options);
  /** @type {[number, number][]} */
  const logitBias = [];
  if (body.logit_bias !== undefined && body.logit_bias !== null) {
    if (typeof body.logit_bias !== "object" || Array.isArray(body.logit_bias)) throw new HttpError(400, "logit_bias must map token ids to biases");
    for (const [k, v] of Object.entries(body.logit_bias)) {
      if (!/^\d{1,9}$/.test(k) || typeof v !== "number" || !(v >= -100 && v <= 100)) throw new HttpError(400, `logit_bias: ${JSON.stringify(k)}: a token id and a number from -100 to 100`);
      logitBias.push([Number(k), v]);
    }
  }
  return {
    messages,
    maxTokens: num("max_tokens", 1, 1e6, true) ?? num("max_completion_tokens", 1, 1e6, true) ?? 1024,
    temperature: num("temperature", 0, 5) ?? 0.8,
    seed: num("seed", -(2 ** 53), 2 ** 53, true),
    topK: num("top_k", 0, 1e6, true) ?? 40,
    topP: num("top_p", 0, 1) ?? 0.95,
    minP: num("min_p", 0, 1) ?? 0.05,
    frequencyPenalty: num("frequency_penalty", -2, 2) ?? 0,
    presencePenalty: num("presence_penalty", -2, 2) ?? 0,
    stop: /** @type {string[]} */ (stop),
    grammar: typeof body.grammar === "string" && body.grammar.trim() !== "" ? body.grammar : undefined,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    logitBias,
  };
}

/** @param {Req} req @returns {Promise<Record<string, unknown>>} */
async function readJson(req) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw new HttpError(400, `malformed JSON: ${e instanceof Error ? e.message : e}`);
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new HttpError(400, "the body must be a JSON object");
  return body;
}

/** @param {Res} res @param {number} status @param {unknown} value */
function sendJson(res, status, value) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

/**
 * Why llama.cpp refuses a grammar. Its parser writes the reason to the process's own
 * stderr, out of reach of this one, so a child compiles the grammar and its stderr is read.
 * @param {string} grammar
 * @returns {Promise<string>}
 */
function grammarError(grammar) {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--check-grammar"], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    child.on("error", () => ok("it does not compile"));
    child.on("close", () => {
      const parse = /error parsing grammar: ([^\n]*)/.exec(err);
      const logged = /llama\.cpp (?:error|fatal): (.*)/.exec(err);
      const reason = (parse?.[1] ?? logged?.[1] ?? "it does not compile").trim();
      ok(reason.length > 300 ? `${reason.slice(0, 300)}…` : reason);
    });
    child.stdin.end(grammar);
  });
}

/** `--check-grammar`: compile the GBNF on stdin; llama.cpp's reasons go to stderr; exit 1 if it fails. */
async function checkGrammar() {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const engine = await loadEngine();
  const llama = await getLlama(engine, undefined, (level, message) => {
    if (message.trim()) process.stderr.write(`llama.cpp ${level}: ${message.trim()}\n`);
  });
  try {
    await llama.createGrammar({ grammar: Buffer.concat(chunks).toString("utf8") });
  } catch {
    // Logs arrive asynchronously.
    await new Promise((r) => setTimeout(r, 50));
    process.exitCode = 1;
  }
}

async function main() {
  if (process.argv[2] === "--check-grammar") return checkGrammar();
  const models = (process.env.LOCAL_GGUF ?? "").split(delimiter).filter(Boolean);
  const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
  const env = (/** @type {string} */ k) => (process.env[k] ? Number(process.env[k]) : undefined);
  let sidecar;
  try {
    sidecar = await startLocalGguf({ models, port, threads: env("LOCAL_GGUF_THREADS"), contextSize: env("LOCAL_GGUF_CONTEXT"), gpu: process.env.LOCAL_GGUF_GPU });
  } catch (e) {
    console.error(`local-gguf: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
  console.log(`listening on ${sidecar.url}`);
  // Exiting frees the engine; disposing it first only takes longer.
  const stop = () => void sidecar.server.close(() => process.exit(0)).closeAllConnections();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
