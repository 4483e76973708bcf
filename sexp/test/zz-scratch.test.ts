import { it } from "vitest";
import { extractSexp, repairSexp } from "../src/index.ts";
it("scratch", () => {
  for (const t of ['(div (p "x"', '(div :class', '(div :class "a" (spa', '(div "ab\\', '(div "ab\\u{1F', '{:a 1 :b', "(list '(", '(div))) ', '(div (p "x"}', '(a "x") )', "(div `x)", '(div (p "x" ]', '(p "hi" ;; note\n', '"abc', '1e', '(~card :title "x" :body']) {
    const r = repairSexp(t);
    console.log(JSON.stringify(t), "=>", JSON.stringify(r.text), r.repairs);
  }
  for (const t of [
    'Sure! Here is the page:\n\n```lisp\n(div :class "x"\n  (p “Hello (world)”))\n```\n\nThis shows a greeting (as requested).',
    "Here (roughly:\n(div (p \"x\"))",
    "(h1 \"A\")\n(p \"B\")\nThat's it.",
    "```clojure\n(let [x (query market products) y 2]\n  (ul (map (fn [p] (li (:name p))) x)))\n```",
    "I think (see below) this works:\n(ul (li \"a\")\n",
    "no code here (really)",
    "```html\n<div></div>\n```\n```\n(div \"ok\")\n```",
    "```lisp\n(p “it’s “fine””)\n```",
  ]) console.log(JSON.stringify(t), "\n=>", JSON.stringify(extractSexp(t)));
});
