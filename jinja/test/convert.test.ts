/**
 * From Jinja to s-expressions: every construct the converter claims to
 * convert gives a draft that renders the same page as Nunjucks does with the
 * same data — shown by example for each construct, and as a property over
 * templates made of all of them together (markup, output with filters, if /
 * elif / else, for with loop variables and else, set, macros and calls,
 * attributes with output and if in them) and data with text that needs
 * escaping. What it cannot convert is reported at its line and column.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convertTemplate, htmlDifferences, renderSexp, renderTemplate, unbalanced } from "../src/index.ts";

async function same(template: string, data: Record<string, unknown>, include?: (name: string) => string | null): Promise<string> {
  const { source, problems } = convertTemplate(template, include ? { include } : {});
  expect(problems, source).toEqual([]);
  const expected = renderTemplate(template, data, include);
  const actual = await renderSexp({ text: source, name: "draft" }, data);
  expect(htmlDifferences(expected, actual), `${template}\n---\n${source}\n---\n${expected}\n---\n${actual}`).toEqual([]);
  return source;
}

const data = {
  title: `Pears & "plums" <fresh>`,
  empty: "",
  zero: 0,
  n: 7,
  yes: true,
  no: false,
  words: ["a", "b<c"],
  items: [
    { slug: "apple", title: "Apple", price: 3 },
    { slug: "pear", title: "Pear & co", price: 0 },
  ],
  none: [],
};

describe("convertTemplate, construct by construct", () => {
  it("output, escaped by the renderer, with the filters it knows", async () => {
    const source = await same(`<p>{{ title }} {{ title | upper }} {{ title | lower | e }} {{ "  x  " | trim }}</p>`, data);
    expect(source).toBe('(p (str title) " " (upper (str title)) " " (lower (str title)) " " (trim "  x  "))');
    await same(`<p>{{ words | length }} {{ words | join(" / ") }} {{ items | length }} {{ title | length }}</p>`, data);
    await same(`<p>{{ items[0].missing | default("none") }} {{ empty | default("was empty", true) }} {{ empty | default("kept") }}</p>`, data);
    await same(`<p>{{ yes }} {{ no }} {{ n }} {{ n + 1 }} {{ n * 2 - 1 }} {{ n % 3 }} {{ -n }} {{ "a" ~ n }}</p>`, data);
    await same(`<div>{{ "<b>safe</b>" | safe }}</div>`, data);
  });

  it("look-ups by name, by key and by index", async () => {
    await same(`<p>{{ items[0].title }} {{ items[1]["slug"] }} {{ items.length }}</p>`, data);
  });

  it("if / elif / else, with Jinja's truth", async () => {
    const t = `{% for v in [title, empty, zero, n, yes, no, words, none] %}<i>{% if v %}t{% else %}f{% endif %}</i>{% endfor %}`;
    await same(t, data);
    await same(`<p>{% if n > 10 %}big{% elif n > 5 %}middling{% else %}small{% endif %}</p>`, data);
    await same(`<p>{% if not empty and (n == 7 or no) %}yes{% endif %}{{ "x" if yes }}{{ "y" if no else "z" }}{{ empty or "or" }}{{ title and n }}</p>`, data);
  });

  it("for, with the loop's variables and else", async () => {
    const source = await same(
      `<ul>{% for item in items %}<li class="{{ 'first' if loop.first }}{{ ' last' if loop.last }}">{{ loop.index }}/{{ loop.length }} {{ loop.index0 }} {{ loop.revindex }} {{ loop.revindex0 }} {{ item.title }}</li>{% else %}<li>none</li>{% endfor %}</ul>`,
      data,
    );
    expect(source).toMatch(/\(map-indexed \(fn \(loop-i item\)/);
    await same(`<ul>{% for x in none %}<li>{{ x }}</li>{% else %}<li>nothing</li>{% endfor %}</ul>`, data);
    await same(`{% for a in items %}{% for w in words %}<b>{{ loop.index }}{{ w }}{{ a.slug }}</b>{% endfor %}<i>{{ loop.index }}</i>{% endfor %}`, data);
  });

  it("set, before its block's markup", async () => {
    await same(`{% set shout = title | upper %}{% set count = items | length %}<h1>{{ shout }} ({{ count }})</h1>`, data);
  });

  it("macros become components; calls with positional and keyword arguments, and call blocks", async () => {
    const source = await same(
      `{% macro price_tag(amount, currency="£") %}<span class="price">{{ currency }}{{ amount }}</span>{% endmacro %}` +
        `{% macro panel(title) %}<section><h2>{{ title }}</h2>{{ caller() }}</section>{% endmacro %}` +
        `{% for item in items %}{{ price_tag(item.price) }}{{ price_tag(item.price, currency="€") }}{% endfor %}` +
        `{% call panel("Basket") %}<p>{{ n }} things</p>{% endcall %}`,
      data,
    );
    expect(source).toContain("(defcomp ~price-tag (&key amount (currency \"£\"))");
    expect(source).toContain("(defcomp ~panel (&key title &rest children)");
  });

  it("include, in place (it shares the context)", async () => {
    const parts: Record<string, string> = { "nav.njk": `<nav>{% for item in items %}<a href="/{{ item.slug }}/">{{ item.title }}</a>{% endfor %}</nav>` };
    await same(`<header>{% include "nav.njk" %}</header>`, data, (name) => parts[name] ?? null);
  });

  it("macros imported from another template", async () => {
    const parts: Record<string, string> = { "macros.njk": `{% macro tag(t) %}<b class="tag">{{ t }}</b>{% endmacro %}{% macro unused() %}x{% endmacro %}<p>not imported</p>` };
    const source = await same(`{% from "macros.njk" import tag %}<p>{% for w in words %}{{ tag(w) }}{% endfor %}</p>`, data, (name) => parts[name] ?? null);
    expect(source).not.toContain("~unused");
    expect(convertTemplate(`{% from "macros.njk" import nope %}`, { include: (name) => parts[name] ?? null }).problems[0]?.message).toBe("macros.njk has no macro nope");
  });

  it("an app's own filters, by the function given for each", async () => {
    const template = `<p>{{ n | twice }} {{ title | cut(4) }}</p>`;
    const { source, problems } = convertTemplate(template, { filters: { twice: "twice", cut: "cut" } });
    expect(problems).toEqual([]);
    expect(source).toBe('(p (str (twice n)) " " (str (cut title 4)))');
  });

  it("a whole page: html, head and body kept", async () => {
    const source = await same(`<!doctype html>\n<html lang="en"><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1></body></html>`, data);
    expect(source).toMatch(/^\(html :lang "en" \(head \(title/);
  });

  it("raw and whitespace control", async () => {
    await same(`<pre>{% raw %}{{ not a variable }}{% endraw %}</pre>`, data);
    await same(`<ul>\n  {%- for w in words -%}\n    <li>{{ w }}</li>\n  {%- endfor %}\n</ul>`, data);
  });

  it("an if between a tag's attributes: the attributes each branch gives", async () => {
    const source = await same(`<ul>{% for item in items %}<li{% if item.price == 0 %} class="free" data-p="{{ item.slug }}"{% elif n > 5 %} class="dear"{% else %} hidden{% endif %}>x</li>{% endfor %}</ul><input type="checkbox"{% if yes %} checked{% endif %}>`, data);
    expect(source).toContain('(input :type "checkbox" :checked (if (truthy? yes) "" nil))');
  });

  it("attributes with output and if in them", async () => {
    await same(`<a class="card{% if yes %} on{% else %} off{% endif %}" href="/p/{{ items[0].slug }}/?q={{ title }}" data-n="{{ n }}">x</a>`, data);
  });

  it("markup inside tables and lists stays where it is written", async () => {
    await same(`<table><tbody>{% for item in items %}<tr><td>{{ item.title }}</td></tr>{% endfor %}</tbody></table>`, data);
  });
});

describe("what cannot be converted", () => {
  const problemsOf = (t: string) => convertTemplate(t).problems;

  it("is reported at its line and column, and left in the draft as it was written", () => {
    const { source, problems } = convertTemplate(`<p>ok</p>\n<p>{{ x | wordcount }}</p>\n{% extends "base.njk" %}`);
    expect(problems).toEqual([
      { line: 2, col: 11, message: "the filter wordcount cannot be converted (an app's own filter can be given the function that does the same: --filter wordcount=FUNCTION)" },
      { line: 3, col: 4, message: "extends cannot be converted" },
    ]);
    expect(source).toContain('"{% extends \\"base.njk\\" %}"');
  });

  it("a block that opens an element another closes, output between attributes, a call of an unknown function", () => {
    expect(problemsOf(`{% if a %}<div class="a">{% else %}<div>{% endif %}x</div>`)[0]?.message).toMatch(/not whole elements/);
    expect(problemsOf(`<a {{ attrs }}>x</a>`)[0]?.message).toMatch(/only an if whose branches are attributes can stand between a tag's attributes/);
    expect(problemsOf(`<a {% if a %}<b>{% endif %}>x</a>`)[0]?.message).toMatch(/only an if whose branches are attributes/);
    expect(problemsOf(`<p>{{ range(3) }}</p>`)[0]?.message).toMatch(/range, which is not a macro/);
    expect(problemsOf(`{% for k, v in obj %}{{ k }}{% endfor %}`)[0]?.message).toMatch(/over pairs/);
    expect(problemsOf(`{% include "missing.njk" %}`)[0]?.message).toMatch(/the template missing\.njk could not be read/);
  });

  it("a template that does not read, at Nunjucks' position", () => {
    const [p] = problemsOf(`<p>\n{% if %}</p>`);
    expect(p).toMatchObject({ line: 2 });
    expect(p?.message).toMatch(/^the template does not read/);
  });

  it("unbalanced markup is found", () => {
    expect(unbalanced(`<div><p>x</p><br><img src="a"></div>`)).toBeNull();
    expect(unbalanced(`<div>`)).toBe("<div> is not closed");
    expect(unbalanced(`</div>`)).toBe("</div> closes what it did not open");
    expect(unbalanced(`<a title="<b>">x</a><!-- <div> -->`)).toBeNull();
  });
});

// Templates made of every construct the converter claims, with data that needs escaping.
const text = fc.stringMatching(/^[A-Za-z ,.!?&<>"'-]{0,12}$/);
const word = fc.constantFrom("alpha", "beta", "Gamma", "d e", "x&y");
const scalar = fc.constantFrom("s", "t", "n", "m", "yes", "no", "rec.missing", "empty", "zero");
const filtered = fc.oneof(
  scalar.map((v) => v),
  scalar.map((v) => `${v} | default("dflt")`),
  fc.constantFrom("s | upper", "t | lower", "s | trim", "s | e", "list | length", "words | join(\", \")", "s | length", "n + m", "n - 2", "s ~ t", "empty | default(\"E\", true)"),
);
const condition = fc.oneof(
  scalar,
  scalar.map((v) => `not ${v}`),
  fc.constantFrom("n > 3", "n == m", "s == t", "n <= 2", "yes and n > 1", "no or empty", "list", "none", "n != 4"),
);

const itemsArb = (depth: number): fc.Arbitrary<string> =>
  fc.array(itemArb(depth), { minLength: 0, maxLength: 3 }).map((xs) => xs.join(""));

function itemArb(depth: number): fc.Arbitrary<string> {
  const leaves: fc.Arbitrary<string>[] = [word, filtered.map((f) => `{{ ${f} }}`)];
  if (depth <= 0) return fc.oneof(...leaves);
  const inner = itemsArb(depth - 1);
  return fc.oneof(
    ...leaves,
    fc.tuple(fc.constantFrom("div", "span", "em", "section", "article"), inner, fc.option(filtered, { nil: undefined }), fc.option(condition, { nil: undefined })).map(([tag, body, attr, cond]) => {
      const a = attr ? ` title="t-{{ ${attr} }}"` : "";
      const c = cond ? ` class="c{% if ${cond} %} on{% else %} off{% endif %}" data-on="{% if ${cond} %}on{% endif %}"` : "";
      // A construct between the attributes: attributes only where it holds.
      const between = cond && attr ? `{% if ${cond} %} data-b="{{ ${attr} }}" hidden{% elif n > 2 %} data-b="two"{% endif %}` : "";
      return `<${tag}${a}${c}${between}>${body}</${tag}>`;
    }),
    fc.tuple(condition, inner, fc.option(fc.tuple(condition, inner), { nil: undefined }), fc.option(inner, { nil: undefined })).map(
      ([c, body, elif, otherwise]) => `{% if ${c} %}${body}${elif ? `{% elif ${elif[0]} %}${elif[1]}` : ""}${otherwise !== undefined ? `{% else %}${otherwise}` : ""}{% endif %}`,
    ),
    fc.tuple(fc.constantFrom("list", "none", "words"), inner, fc.option(inner, { nil: undefined })).map(([list, body, otherwise]) => {
      const each = list === "words" ? "{{ it }}" : "{{ it.title }}{{ it.n }}";
      return `<ul>{% for it in ${list} %}<li data-i="{{ loop.index }}">{{ loop.index0 }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}${each}${body}</li>${otherwise !== undefined ? `{% else %}<li>${otherwise}</li>` : ""}{% endfor %}</ul>`;
    }),
    inner.map((body) => `{{ box(s) }}{% call frame(n) %}${body}{% endcall %}`),
  );
}

const MACROS = `{% macro box(label, kind="plain") %}<b class="{{ kind }}">{{ label }}</b>{% endmacro %}{% macro frame(size) %}<div class="frame" data-size="{{ size }}">{{ caller() }}</div>{% endmacro %}`;

const dataArb = fc.record({
  s: text,
  t: text,
  n: fc.integer({ min: -5, max: 10 }),
  m: fc.integer({ min: -5, max: 10 }),
  yes: fc.boolean(),
  no: fc.constant(false),
  empty: fc.constant(""),
  zero: fc.constant(0),
  words: fc.array(text, { maxLength: 3 }),
  list: fc.array(fc.record({ title: text, n: fc.integer({ min: 0, max: 9 }) }), { maxLength: 3 }),
  none: fc.constant([]),
  rec: fc.constant({ here: 1 }),
});

describe("convertTemplate, as a property", () => {
  it("renders the same page as Nunjucks for any template of the constructs it converts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(fc.option(fc.constantFrom("{% set shout = s | upper %}", "{% set shout = n + m %}"), { nil: undefined }), itemsArb(3)), dataArb, async ([set, body], values) => {
        const template = `${MACROS}${set ?? ""}<main>${body}${set ? "<p>{{ shout }}</p>" : ""}</main>`;
        const { source, problems } = convertTemplate(template);
        expect(problems, template).toEqual([]);
        const expected = renderTemplate(template, values);
        const actual = await renderSexp({ text: source, name: "draft" }, values);
        expect(htmlDifferences(expected, actual), `${template}\n---\n${source}\n---\n${JSON.stringify(values)}`).toEqual([]);
      }),
      { numRuns: Number(process.env.JINJA_RUNS ?? 150) },
    );
  });
});
