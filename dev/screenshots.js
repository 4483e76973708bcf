#!/usr/bin/env node
// @ts-check
/**
 * Every kind of page of a running site (`npm run dev`), in Chromium at a
 * desktop and a phone width: a screenshot of each, and what a layout check
 * needs (does the page scroll sideways, its <main> landmarks, how wide the
 * main content is, how many product cards share a row), plus every request
 * that failed or console error on the way.
 *
 *   node dev/screenshots.js [URL] [OUT_DIR]   (default http://127.0.0.1:8787, test-output/screenshots)
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const WIDTHS = /** @type {const} */ ([1280, 390]);

/**
 * The page kinds: a name, a path, and whether a signed-in visitor with a cart is needed
 * (`order`: the page of the order that visitor placed, whose number is known only then).
 */
const PAGES = /** @type {const} */ ([
  { name: "home", path: "/" },
  { name: "blog", path: "/blog/" },
  { name: "post", path: "/blog/apple-day-2026/" },
  { name: "market", path: "/market/" },
  { name: "market-filtered", path: "/market/?category=bakery&sort=price-asc" },
  { name: "product", path: "/market/sourdough-white-loaf/" },
  { name: "events", path: "/events/" },
  { name: "sign-in", path: "/account/sign-in/" },
  { name: "cart", path: "/cart/", signedIn: true },
  { name: "account", path: "/account/", signedIn: true },
  { name: "order", path: "/orders/", signedIn: true, order: true },
  { name: "not-found", path: "/no/such/page" },
]);

/**
 * @typedef {{ name: string, path: string, width: number, file: string, status: number, scrollWidth: number, innerWidth: number,
 *   scrollingTables: number, mains: number, mainWidth: number, cardsPerRow: number, title: string }} Shot
 */

/**
 * @param {string} base
 * @param {string} outDir
 * @returns {Promise<{ shots: Shot[], failures: string[] }>}
 */
export async function capturePages(base, outDir) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  /** @type {Shot[]} */
  const shots = [];
  /** @type {string[]} */
  const failures = [];
  try {
    for (const width of WIDTHS) {
      mkdirSync(join(outDir, String(width)), { recursive: true });
      const context = await browser.newContext({ viewport: { width, height: width > 600 ? 1600 : 844 } });
      // A signed-in visitor with two things in the cart, for the pages that need one.
      const signedIn = await browser.newContext({ viewport: { width, height: width > 600 ? 1600 : 844 } });
      await signedIn.request.post(`${base}/account/sign-in/`, { form: { email: "hannah@example.org", password: "rose-ash" }, maxRedirects: 0 });
      const fillCart = async () => {
        for (const product_id of ["10", "3"]) await signedIn.request.post(`${base}/cart/add/`, { form: { product_id }, maxRedirects: 0 });
      };
      // An order placed first (its page, and a history on the account page), then the cart filled again.
      await fillCart();
      const cart = await (await signedIn.request.get(`${base}/cart/`)).text();
      const idempotency_key = /name="idempotency_key" value="([\w-]+)"/.exec(cart)?.[1] ?? "";
      const placed = await signedIn.request.post(`${base}/cart/checkout/`, { form: { idempotency_key }, maxRedirects: 0 });
      const orderPath = placed.headers()["location"] ?? "";
      if (!/^\/orders\/\d+\/$/.test(orderPath)) failures.push(`order @${width}: checkout answered ${placed.status()} ${orderPath}`);
      await fillCart();
      for (const p of PAGES) {
        const path = "order" in p ? orderPath : p.path;
        const page = await ("signedIn" in p ? signedIn : context).newPage();
        page.on("response", (r) => r.status() >= 400 && r.url() !== base + path && failures.push(`${p.name} @${width}: ${r.status()} ${r.url()}`));
        // (A failed request shows as a console error too; those are counted above, the page's own status apart.)
        page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && failures.push(`${p.name} @${width}: console: ${m.text()}`));
        const res = await page.goto(base + path, { waitUntil: "networkidle" });
        const file = join(outDir, String(width), `${p.name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        const measured = await page.evaluate(() => {
          const main = document.querySelector("main");
          const cards = [...document.querySelectorAll(".grid .card")].map((c) => Math.round(c.getBoundingClientRect().top));
          return {
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            // Tables wider than the page scroll inside their box: columns a person must scroll to see.
            scrollingTables: [...document.querySelectorAll(".table-scroll")].filter((e) => e.scrollWidth > e.clientWidth).length,
            mains: document.querySelectorAll("main").length,
            mainWidth: main ? Math.round(main.getBoundingClientRect().width) : 0,
            cardsPerRow: cards.length ? cards.filter((t) => t === cards[0]).length : 0,
            title: document.title,
          };
        });
        shots.push({ name: p.name, path, width, file, status: res?.status() ?? 0, ...measured });
        await page.close();
      }
      await context.close();
      await signedIn.close();
    }
  } finally {
    await browser.close();
  }
  return { shots, failures };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const base = (process.argv[2] ?? "http://127.0.0.1:8787").replace(/\/$/, "");
  const outDir = process.argv[3] ?? "test-output/screenshots";
  const { shots, failures } = await capturePages(base, outDir);
  for (const s of shots) {
    const sideways =
      (s.scrollWidth > s.innerWidth ? `  scrolls sideways (${s.scrollWidth} px)` : "") + (s.scrollingTables ? `  ${s.scrollingTables} table(s) scroll sideways` : "");
    console.log(`${String(s.width).padStart(4)}  ${s.name.padEnd(16)} ${s.status}  main ${s.mainWidth} px${s.cardsPerRow ? `, ${s.cardsPerRow} card${s.cardsPerRow === 1 ? "" : "s"} a row` : ""}${sideways}  ${s.file}`);
  }
  for (const f of failures) console.log(`failed: ${f}`);
}
