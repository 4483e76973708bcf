/**
 * Hand-written template-literal peer: string concatenation with its own
 * escape function. The speed reference (what a renderer cannot beat by much).
 */

const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPES = /[&<>"']/g;
const ENTITY = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (s) => {
  const str = String(s);
  return NEEDS_ESCAPE.test(str) ? str.replace(ESCAPES, (c) => ENTITY[c]) : str;
};

const money = (n) => "£" + n.toFixed(2);

const userMenu = (user, cart) =>
  `<div class="user-menu"><img class="avatar" src="${esc(user.avatar)}" alt="${esc(user.name)}">` +
  `<span class="greeting">Hello, ${esc(user.name)}</span><a href="/account/">Account</a>` +
  `<a class="cart" href="/cart/"><span class="cart-count">${cart.count}</span> items · ` +
  `<span class="cart-total">${esc(money(cart.total))}</span></a></div>`;

const siteHeader = (user, cart) =>
  `<header class="site-header"><a class="logo" href="/">Rose Ash Market</a>` +
  `<form class="search" action="/search/" method="get"><input type="search" name="q" placeholder="Search products…"></form>` +
  userMenu(user, cart) +
  `</header>`;

const navLink = (link) => `<li><a href="${esc(link.href)}">${esc(link.title)}</a></li>`;

const navGroup = (group) =>
  `<li class="nav-group"><a href="${esc(group.href)}">${esc(group.title)}</a><ul>${group.links.map(navLink).join("")}</ul></li>`;

const navSection = (section) =>
  `<li class="nav-section"><a href="${esc(section.href)}">${esc(section.title)}</a><ul>${section.groups.map(navGroup).join("")}</ul></li>`;

const siteNav = (sections) => `<nav class="site-nav"><ul>${sections.map(navSection).join("")}</ul></nav>`;

const post = (article) =>
  `<article class="post"><h1>${esc(article.title)}</h1><p class="byline">By ${esc(article.author)}</p>` +
  article.paragraphs.map((para) => `<p>${esc(para)}</p>`).join("") +
  `</article>`;

const productCard = (p) => {
  const soldOut = p.stock <= 0;
  return (
    `<div class="${soldOut ? "card sold-out" : "card"}" data-stock="${p.stock}">` +
    `<h3><a href="/products/${esc(p.slug)}/">${esc(p.name)}</a></h3>` +
    `<p class="category">${esc(p.category)}</p><div class="badges">` +
    (p.new ? `<span class="badge new">New</span>` : "") +
    (p.on_sale ? `<span class="badge sale">Sale</span>` : "") +
    (soldOut ? `<span class="badge out">Out of stock</span>` : "") +
    `</div><p class="price">${esc(money(p.price))}</p>` +
    `<button class="add"${soldOut ? " disabled" : ""}>Add to cart</button></div>`
  );
};

/** The page's HTML for `data` ({ user, cart, nav, article, products }). */
export function renderPage({ user, cart, nav, article, products }) {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(article.title)}</title>` +
    `<link rel="stylesheet" href="/static/site.css"></head><body>` +
    siteHeader(user, cart) +
    siteNav(nav) +
    `<main>${post(article)}<section class="products"><h2>Products</h2><div class="grid">` +
    products.map(productCard).join("") +
    `</div></section></main><footer><p>© 2025 Rose Ash — prices include VAT &amp; delivery</p></footer></body></html>`
  );
}
