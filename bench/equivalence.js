/**
 * Comparing renderers' HTML up to differences that mean the same document:
 * entity spelling (`&#39;` vs `&#x27;` vs `'` where unescaped is allowed),
 * `disabled` vs `disabled=""`, `<meta>` vs `<meta/>`, attribute quoting and
 * order, doctype case. Markup is tokenized the way a browser would see it, so
 * an unescaped `<b>` in text is a tag here, and a real escaping bug still
 * shows up as a difference.
 */

const NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decode(s) {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e) => {
    if (e[0] === "#") {
      const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return String.fromCodePoint(cp);
    }
    return NAMED[e] ?? m;
  });
}

const escText = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escAttr = (s) => escText(s).replace(/"/g, "&quot;");

const TAG_START = /^<\/?[a-zA-Z]/;
const ATTR = /\s*([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y;

/** Canonical tokens of an HTML string (start tags, end tags, text, doctype, comments). */
export function tokens(html) {
  const out = [];
  let i = 0;
  let text = "";
  const flush = () => {
    if (text) out.push(escText(decode(text)));
    text = "";
  };
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    if (lt < 0) {
      text += html.slice(i);
      break;
    }
    text += html.slice(i, lt);
    i = lt;
    const rest = html.slice(i, i + 2);
    if (html.startsWith("<!--", i)) {
      flush();
      const end = html.indexOf("-->", i + 4);
      const stop = end < 0 ? html.length : end + 3;
      out.push(html.slice(i, stop));
      i = stop;
    } else if (rest === "<!") {
      flush();
      const end = html.indexOf(">", i);
      out.push(html.slice(i, end + 1).toLowerCase().replace(/\s+/g, " "));
      i = end + 1;
    } else if (TAG_START.test(html.slice(i, i + 3))) {
      flush();
      const closing = html[i + 1] === "/";
      let j = i + (closing ? 2 : 1);
      const nameStart = j;
      while (j < html.length && !/[\s/>]/.test(html[j])) j++;
      const name = html.slice(nameStart, j).toLowerCase();
      const attrs = [];
      for (;;) {
        ATTR.lastIndex = j;
        const m = ATTR.exec(html);
        if (!m || m[0].trim() === "") break;
        const value = m[2] ?? m[3] ?? m[4] ?? "";
        attrs.push(`${m[1].toLowerCase()}="${escAttr(decode(value))}"`);
        j = ATTR.lastIndex;
      }
      while (j < html.length && /[\s/]/.test(html[j])) j++; // `<meta ... />`
      if (html[j] !== ">") throw new Error(`malformed tag at offset ${i}: ${JSON.stringify(html.slice(i, i + 80))}`);
      attrs.sort();
      out.push(closing ? `</${name}>` : `<${[name, ...attrs].join(" ")}>`);
      i = j + 1;
    } else {
      text += "<";
      i++;
    }
  }
  flush();
  return out;
}

/**
 * null when `a` and `b` are the same document, else a description of the
 * first difference (token index, both tokens, and the raw context).
 */
export function firstDifference(a, b, nameA = "a", nameB = "b") {
  const ta = tokens(a);
  const tb = tokens(b);
  const n = Math.max(ta.length, tb.length);
  for (let k = 0; k < n; k++) {
    if (ta[k] === tb[k]) continue;
    const before = ta.slice(Math.max(0, k - 3), k).join("");
    return [
      `first difference at token ${k} (after ...${JSON.stringify(before.slice(-160))}):`,
      `  ${nameA}: ${JSON.stringify(ta[k] ?? "<end of document>")}`,
      `  ${nameB}: ${JSON.stringify(tb[k] ?? "<end of document>")}`,
      `  ${nameA} next: ${JSON.stringify(ta.slice(k, k + 4).join("").slice(0, 240))}`,
      `  ${nameB} next: ${JSON.stringify(tb.slice(k, k + 4).join("").slice(0, 240))}`,
    ].join("\n");
  }
  return null;
}

/** Pairs the comparison must tell apart or accept; run.js checks them before trusting it. */
const MUST_DIFFER = [
  ["<p>&lt;b&gt;x</p>", "<p><b>x</p>"],
  ["<button>x</button>", "<button disabled>x</button>"],
  ['<a title="a">', '<a title="b">'],
  ["<p>a</p>", "<p>a </p>"],
  ['<a href="x">y</a>', '<a href="x" onclick="z">y</a>'],
];
const MUST_MATCH = [
  ["<p>it&#39;s</p>", "<p>it&#x27;s</p>"],
  ["<p>it&#39;s &gt;</p>", "<p>it's ></p>"],
  ["<button disabled>x</button>", '<button disabled="">x</button>'],
  ['<meta charset="utf-8">', '<meta charset="utf-8"/>'],
  ["<!doctype html><html>", "<!DOCTYPE html><html>"],
];
export function selfTest() {
  for (const [a, b] of MUST_DIFFER) if (firstDifference(a, b) === null) throw new Error(`equivalence: ${a} and ${b} must differ`);
  for (const [a, b] of MUST_MATCH) if (firstDifference(a, b) !== null) throw new Error(`equivalence: ${a} and ${b} must match`);
}
