/**
 * The benchmark page's data: deterministic (seeded PRNG, no Math.random), so
 * every run and every contender renders exactly the same page.
 *
 * Plain JSON-shaped objects; the sexp contender converts them with `fromJson`
 * (objects -> maps) the way `sexp render --data` does.
 */

/** mulberry32: small, fast, good enough for test data. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(20250601);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const slugify = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

const WORDS = (
  "market stall bread cheese honey orchard harvest local farm season fresh baker dairy " +
  "apple pear plum cider loaf butter cream garden village weekly order delivery box " +
  "organic grower kitchen recipe table supper morning basket field river hill stone"
).split(" ");

// Fragments that need escaping in text: & < > " '
const SPECIAL = [
  "fish & chips",
  "x < y",
  "y > x",
  'the "best" loaf',
  "the baker's dozen",
  "<b>not bold</b>",
  "Q&A",
  "R&D > marketing",
  "it's <fresh> & \"local\"",
];

function sentence(words) {
  const ws = [];
  for (let i = 0; i < words; i++) ws.push(pick(WORDS));
  ws[0] = ws[0][0].toUpperCase() + ws[0].slice(1);
  return ws.join(" ");
}

function paragraph() {
  const parts = [];
  for (let s = 0, n = int(3, 5); s < n; s++) parts.push(sentence(int(8, 14)) + ", " + pick(SPECIAL) + ".");
  // Every paragraph carries all five characters that must be escaped.
  parts.push(`Tom & Jerry's "a < b > c" note.`);
  return parts.join(" ");
}

export const user = {
  name: "Zoë O'Brien",
  email: "zoe@example.com",
  avatar: "/static/avatars/zoe.png",
};

export const cart = { count: 3, total: 47.5 };

const SECTIONS = ["Food & Drink", "Home", "Garden", "Crafts"];
const GROUPS = ["Fresh", "Pantry", "Seasonal", "Gifts"];

/** sections > groups > links: 4 + 4*4 + 4*4*11 = 196 links. */
export const nav = SECTIONS.map((title) => {
  const shref = `/${slugify(title)}/`;
  return {
    title,
    href: shref,
    groups: GROUPS.map((g) => {
      const ghref = `${shref}${slugify(g)}/`;
      return {
        title: `${g} ${title.split(" ")[0]}`,
        href: ghref,
        links: Array.from({ length: 11 }, (_, k) => {
          const t = `${pick(WORDS)} ${pick(WORDS)} ${k + 1}`;
          return { title: t[0].toUpperCase() + t.slice(1), href: `${ghref}${slugify(t)}/` };
        }),
      };
    }),
  };
});

export const article = {
  title: `Market day: "what's fresh" & what's next`,
  author: "Zoë O'Brien",
  paragraphs: Array.from({ length: 20 }, paragraph),
};

const ADJ = ["Rustic", "Golden", "Wild", "Smoked", "Farmhouse", "Crumbly", "Baker's", "Old-Time", "Mellow", "Hand-Made"];
const NOUN = ["Sourdough", "Cheddar", "Honey", "Cider", "Jam", "Butter", "Oatcakes", "Chutney", "Granola", "Tea & Biscuits"];
const CATEGORY = ["Bakery", "Dairy", "Pantry", "Drinks", "Gifts"];

export const products = Array.from({ length: 50 }, (_, i) => {
  const name = `${pick(ADJ)} ${pick(NOUN)}`;
  return {
    slug: `${slugify(name)}-${i + 1}`,
    name,
    price: Math.round(rand() * 4000 + 150) / 100,
    category: pick(CATEGORY),
    stock: rand() < 0.2 ? 0 : int(1, 40),
    new: rand() < 0.25,
    on_sale: rand() < 0.3,
  };
});

/** Everything the page template receives, keyed by variable name. */
export const pageData = { user, cart, nav, article, products };
