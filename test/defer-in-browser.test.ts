/**
 * Deferred parts in a real browser (Debian's Chromium): a streamed page with
 * slow parts in a section, a table's body, a row and a select ends up with
 * each part in its place, in order, with nothing of the machinery left;
 * a part that failed shows its notice where a row can; and with scripts off
 * the content still arrives.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basePrimitives, createEnv, parse, streamForms, type Value } from "@rose-ash/sexp";
import { CHROMIUM } from "../dev/screenshots.js";

const PAGE = `
(html (head (title "Deferred"))
  (body
    (section :id "news" (defer :fallback (p "Loading news…") (p :class "late" (after 40 "News"))))
    (table :id "grid"
      (thead (tr (th "Name") (th "Price")))
      (tbody
        (tr (td "Apples") (td "1.00"))
        (defer :fallback (tr (td :colspan 2 "Loading rows…"))
          (map (fn (n) (tr (td n) (td (after 30 "2.00")))) (list "Pears" "Plums")))
        (tr (td "Quinces") (defer :fallback (td "…") (td (after 20 "3.00"))))
        (tr (td "Rhubarb") (td (broken 10)))))
    (select :id "pick" (option "first") (defer (map (fn (o) (option o)) (after 25 (list "second" "third")))))
    (footer "end")))`;

function pageEnv() {
  const registry = basePrimitives.extend();
  registry.defineIO({
    name: "after",
    params: "ms value",
    doc: "value, after ms milliseconds (test I/O).",
    fn: ([ms, value]) => new Promise<Value>((resolve) => setTimeout(() => resolve(value!), ms as number)),
  });
  registry.defineIO({
    name: "broken",
    params: "ms",
    doc: "Fails after ms milliseconds (test I/O).",
    fn: ([ms]) => new Promise<Value>((_, reject) => setTimeout(() => reject(new Error("the price service is down")), ms as number)),
  });
  return createEnv(registry);
}

const runs = existsSync(CHROMIUM) || !!process.env.CI;

describe.skipIf(!runs)("deferred parts in a browser", () => {
  let server: Server;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    server = createServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      const reader = streamForms(parse(PAGE), pageEnv()).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) res.write(r.value);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("moves each part into its place: a section's paragraph, rows in order, a row's cell, a select's options", async () => {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: "load" });
    const seen = await page.evaluate(() => ({
      news: document.querySelector("#news")!.innerHTML,
      rows: [...document.querySelectorAll("#grid tbody tr")].map((tr) => [...tr.children].map((td) => td.textContent)),
      options: [...document.querySelectorAll("#pick option")].map((o) => o.textContent),
      leftovers: document.querySelectorAll("template, sx-defer, [data-sx-late]").length,
      tables: document.querySelectorAll("table").length,
      afterFooter: document.querySelector("footer")!.nextElementSibling?.tagName ?? null,
    }));
    expect(seen.news).toBe('<p class="late">News</p>');
    expect(seen.rows).toEqual([
      ["Apples", "1.00"],
      ["Pears", "2.00"],
      ["Plums", "2.00"],
      ["Quinces", "3.00"],
      ["Rhubarb", "This part of the page could not be shown."],
    ]);
    expect(seen.options).toEqual(["first", "second", "third"]);
    expect([seen.leftovers, seen.tables]).toEqual([0, 1]);
    await page.close();
  });

  it("shows the content with scripts off, where it arrives", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: "load" });
    const late = await page.evaluate(() =>
      [...document.querySelectorAll("[data-sx-late]")].map((e) => ({ tag: e.tagName, shown: getComputedStyle(e).display !== "none", text: e.textContent })),
    );
    expect(late).toEqual(
      expect.arrayContaining([
        { tag: "DIV", shown: true, text: "News" },
        { tag: "TABLE", shown: true, text: "Pears2.00Plums2.00" },
        { tag: "SELECT", shown: true, text: "secondthird" },
      ]),
    );
    // The fallback that is an element of its own is hidden; a row's stays (nothing can hide it there).
    expect(await page.evaluate(() => getComputedStyle(document.querySelector("sx-defer")!).display)).toBe("none");
    await context.close();
  });
});
