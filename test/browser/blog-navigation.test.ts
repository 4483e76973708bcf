/**
 * One real browser test: Debian's chromium loads the blog from the running
 * stack (`npm run dev`: the dev database and the router under wrangler dev),
 * clicks a post link, and htmx swaps the main panel and the aside without a
 * full page load.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const PORT = 8799;
const BASE = `http://127.0.0.1:${PORT}`;

// Skipped only on a machine without chromium outside CI; CI installs it (see .ci/run).
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("blog navigation in a browser", () => {
  let stack: ChildProcess;
  let browser: Browser;

  beforeAll(async () => {
    stack = spawn(process.execPath, ["dev/main.js"], {
      env: { ...process.env, PORT: String(PORT), DEV_DB_PORT: "5499", DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("npm run dev did not start in 60 s")), 60_000);
      stack.stdout!.on("data", (chunk) => {
        if (String(chunk).includes("running at")) {
          clearTimeout(timer);
          resolve();
        }
      });
      stack.on("exit", (code) => reject(new Error(`dev stack exited with ${code}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (stack && stack.exitCode === null) {
      const exited = new Promise((resolve) => stack.once("exit", resolve));
      stack.kill("SIGINT");
      await exited;
    }
  }, 30_000);

  it("clicking a post swaps the main panel and the aside by htmx, without a full page load", async () => {
    const page = await browser.newPage();
    await page.goto(`${BASE}/blog/`);
    await page.waitForFunction(() => "htmx" in window);
    // A marker on window survives htmx swaps but not a full page load.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const link = page.locator("#main-panel .posts a").nth(1);
    const title = (await link.textContent())!.trim();
    const href = (await link.getAttribute("href"))!;
    await link.click();
    await page.waitForURL(`${BASE}${href}`);
    await expect.poll(() => page.locator("#main-panel article h1").textContent()).toBe(title);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.locator('#aside [aria-current="page"]').textContent()).toBe(title);
    expect(await page.locator("html").count()).toBe(1);
  }, 60_000);
});
