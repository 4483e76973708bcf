#!/usr/bin/env node
// @ts-check
/**
 * Installs the local-gguf sidecar's engine into dev/local-gguf/node_modules:
 * node-llama-cpp (pinned in package.json and package-lock.json beside this file)
 * and this platform's prebuilt llama.cpp binaries, `@node-llama-cpp/<platform>`,
 * without the other optional builds (CUDA, Vulkan, other platforms): about 83 MB.
 * Install scripts are not run, so nothing is compiled or downloaded apart from
 * the registry packages. Run by the root `prepare` script: it returns at once
 * when both are installed at the pinned version, and never fails the root
 * install (a platform without a prebuilt, or no registry, prints a line and exits 0).
 * Prints one line.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const version = /** @type {string} */ (manifest.dependencies["node-llama-cpp"]);

/** The CPU-only prebuilt package for a platform and architecture, as node-llama-cpp names them; undefined when there is none. */
export function prebuiltPackage(platform = process.platform, arch = process.arch) {
  const os = { linux: "linux", darwin: "mac", win32: "win" }[/** @type {string} */ (platform)];
  const cpu = os === "mac" && arch === "arm64" ? "arm64-metal" : arch === "arm" ? "armv7l" : arch;
  const name = `${os}-${cpu}`;
  const known = ["linux-x64", "linux-arm64", "linux-armv7l", "linux-riscv64", "mac-arm64-metal", "mac-x64", "win-x64", "win-arm64"];
  return os && known.includes(name) ? `@node-llama-cpp/${name}` : undefined;
}

/** The installed version of a package under dev/local-gguf/node_modules, or undefined. @param {string} name */
function installed(name) {
  const file = join(here, "node_modules", name, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    return /** @type {string} */ (JSON.parse(readFileSync(file, "utf8")).version);
  } catch {
    return undefined;
  }
}

/** The environment for the nested npm: the root install's own flags (npm_config_*) left out, but not where the registry is or how to reach it. */
function npmEnv() {
  const keep = /^npm_config_(registry|@[^_]+:registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|cafile|ca|cert|key|strict_ssl|offline|prefer_offline|prefer_online|fetch_[a-z_]+|maxsockets)$/i;
  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || keep.test(k)) env[k] = v;
  return env;
}

function main() {
  const platformPackage = prebuiltPackage();
  if (!platformPackage) {
    console.log(`local-gguf: no prebuilt llama.cpp for ${process.platform}-${process.arch}; the local-gguf provider is unavailable here (skipped)`);
    return;
  }
  if (installed("node-llama-cpp") === version && installed(platformPackage) === version) {
    console.log(`local-gguf: node-llama-cpp ${version} with ${platformPackage} already installed`);
    return;
  }
  const started = Date.now();
  // npm's own script when run from an npm script (the root `prepare`), else npm on PATH.
  const execPath = process.env.npm_execpath;
  const [cmd, pre] = execPath && /npm-cli\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : [process.platform === "win32" ? "npm.cmd" : "npm", []];
  const args = [...pre, "install", "--prefix", here, "--no-save", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", `${platformPackage}@${version}`];
  const result = spawnSync(cmd, args, { cwd: here, env: npmEnv(), encoding: "utf8", shell: process.platform === "win32" });
  if (result.status !== 0 || installed("node-llama-cpp") !== version || installed(platformPackage) !== version) {
    // npm's reason: its first error line that is not a code, a stack frame or where the log is.
    const lines = `${result.stderr ?? ""}`.split("\n").map((l) => l.replace(/^npm (error|ERR!) ?/, "").trim());
    const reason = lines.find((l) => l && !/^(code|errno|syscall) |^at |^A complete log|^\{|^\}/.test(l));
    const why = (result.error?.message ?? reason ?? `npm exited ${result.status}`).slice(0, 300);
    console.log(`local-gguf: could not install node-llama-cpp ${version} (${why}); the local-gguf provider is unavailable until \`node dev/local-gguf/install.js\` succeeds`);
    return;
  }
  console.log(`local-gguf: installed node-llama-cpp ${version} with ${platformPackage} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
