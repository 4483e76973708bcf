/**
 * Test helpers for the local-gguf sidecar (dev/local-gguf/server.js): tiny models
 * written to a temporary folder, the sidecar started on them as a child process,
 * and its OpenAI-compatible answers read, streamed or not.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const serverScript = join(root, "dev/local-gguf/server.js");

/** Why the engine tests cannot run here, or undefined when they can. */
export const engineMissing = existsSync(join(root, "dev/local-gguf/node_modules/node-llama-cpp/package.json"))
  ? undefined
  : "dev/local-gguf/node_modules is absent: run `node dev/local-gguf/install.js` to test the local model engine";

/** A temporary folder for generated models; `remove()` deletes it. */
export function modelFolder() {
  const dir = mkdtempSync(join(tmpdir(), "local-gguf-"));
  return {
    dir,
    write(name: string, gguf: Uint8Array) {
      const path = join(dir, name);
      writeFileSync(path, gguf);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Sidecar {
  /** The OpenAI-compatible base URL, ending in /v1. */
  url: string;
  /** The server's root (for /tokenize, /health). */
  origin: string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** Starts `node dev/local-gguf/server.js 0` serving the given model files. */
export function startSidecar(models: string[], env: Record<string, string> = {}): Promise<Sidecar> {
  const child = spawn(process.execPath, [serverScript, "0"], {
    env: { ...process.env, LOCAL_GGUF: models.join(delimiter), LOCAL_GGUF_THREADS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      const url = m[1] as string;
      resolve({
        url,
        origin: url.replace(/\/v1$/, ""),
        stderr: () => err,
        async close() {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`the sidecar exited (${code}) before listening: ${err.trim()}`)));
  });
}

/** Runs the sidecar until it exits (for start-up failures): its exit code and output. */
export function runSidecar(models: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [serverScript, "0"], {
    env: { ...process.env, LOCAL_GGUF: models.join(delimiter), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

export interface ChatAnswer {
  id: string;
  model: string;
  object: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  error?: { message: string; type: string; code?: string };
}

/** POST /v1/chat/completions, not streamed. */
export async function chat(url: string, body: Record<string, unknown>): Promise<{ status: number; answer: ChatAnswer }> {
  const res = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, answer: (await res.json()) as ChatAnswer };
}

export interface ChatChunk {
  object: string;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: ChatAnswer["usage"];
  error?: { message: string };
}

/** POST /v1/chat/completions with `stream: true`: the events as they came, and the text of their deltas. */
export async function chatStream(url: string, body: Record<string, unknown>) {
  const res = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  const raw = await res.text();
  const blocks = raw.split("\n\n").filter((b) => b !== "");
  const malformed = blocks.filter((b) => !/^data: /.test(b) || b.includes("\n"));
  const payloads = blocks.map((b) => b.slice("data: ".length));
  const done = payloads.at(-1) === "[DONE]";
  const chunks = payloads.filter((p) => p !== "[DONE]").map((p) => JSON.parse(p) as ChatChunk);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", raw, malformed, chunks, done, text };
}

/** POST /tokenize: the model's own tokenization of a text. */
export async function tokenize(origin: string, model: string, content: string): Promise<number[]> {
  const res = await fetch(`${origin}/tokenize`, { method: "POST", body: JSON.stringify({ model, content }) });
  return ((await res.json()) as { tokens: number[] }).tokens;
}
