/**
 * React peer: the same page as function components built with
 * `createElement` (no JSX build step), rendered to a string with
 * `renderToString`, and streamed with `renderToReadableStream`, the product
 * grid behind a Suspense boundary that waits on its data with `use`.
 */
import { Suspense, createElement as h, use } from "react";
import { renderToString } from "react-dom/server";
import { renderToReadableStream } from "react-dom/server.edge";

const money = (n) => "£" + n.toFixed(2);

function UserMenu({ user, cart }) {
  return h(
    "div",
    { className: "user-menu" },
    h("img", { className: "avatar", src: user.avatar, alt: user.name }),
    h("span", { className: "greeting" }, "Hello, ", user.name),
    h("a", { href: "/account/" }, "Account"),
    h("a", { className: "cart", href: "/cart/" }, h("span", { className: "cart-count" }, cart.count), " items · ", h("span", { className: "cart-total" }, money(cart.total))),
  );
}

function SiteHeader({ user, cart }) {
  return h(
    "header",
    { className: "site-header" },
    h("a", { className: "logo", href: "/" }, "Rose Ash Market"),
    h("form", { className: "search", action: "/search/", method: "get" }, h("input", { type: "search", name: "q", placeholder: "Search products…" })),
    h(UserMenu, { user, cart }),
  );
}

const NavLink = ({ link }) => h("li", null, h("a", { href: link.href }, link.title));

const NavGroup = ({ group }) =>
  h("li", { className: "nav-group" }, h("a", { href: group.href }, group.title), h("ul", null, group.links.map((link, i) => h(NavLink, { key: i, link }))));

const NavSection = ({ section }) =>
  h("li", { className: "nav-section" }, h("a", { href: section.href }, section.title), h("ul", null, section.groups.map((group, i) => h(NavGroup, { key: i, group }))));

const SiteNav = ({ sections }) => h("nav", { className: "site-nav" }, h("ul", null, sections.map((section, i) => h(NavSection, { key: i, section }))));

const Post = ({ article }) =>
  h("article", { className: "post" }, h("h1", null, article.title), h("p", { className: "byline" }, "By ", article.author), article.paragraphs.map((para, i) => h("p", { key: i }, para)));

function ProductCard({ product }) {
  const soldOut = product.stock <= 0;
  return h(
    "div",
    { className: soldOut ? "card sold-out" : "card", "data-stock": product.stock },
    h("h3", null, h("a", { href: "/products/" + product.slug + "/" }, product.name)),
    h("p", { className: "category" }, product.category),
    h(
      "div",
      { className: "badges" },
      product.new && h("span", { className: "badge new" }, "New"),
      product.on_sale && h("span", { className: "badge sale" }, "Sale"),
      soldOut && h("span", { className: "badge out" }, "Out of stock"),
    ),
    h("p", { className: "price" }, money(product.price)),
    h("button", { className: "add", disabled: soldOut }, "Add to cart"),
  );
}

const Grid = ({ products }) => h("div", { className: "grid" }, products.map((product, i) => h(ProductCard, { key: i, product })));

/** The grid once its data (a promise) is there. */
const PendingGrid = ({ products }) => h(Grid, { products: use(products) });

function Page({ user, cart, nav, article, products }) {
  const grid = products instanceof Promise ? h(Suspense, { fallback: h("p", null, "Loading…") }, h(PendingGrid, { products })) : h(Grid, { products });
  return h(
    "html",
    { lang: "en" },
    h("head", null, h("meta", { charSet: "utf-8" }), h("title", null, article.title), h("link", { rel: "stylesheet", href: "/static/site.css" })),
    h(
      "body",
      null,
      h(SiteHeader, { user, cart }),
      h(SiteNav, { sections: nav }),
      h("main", null, h(Post, { article }), h("section", { className: "products" }, h("h2", null, "Products"), grid)),
      h("footer", null, h("p", null, "© 2025 Rose Ash — prices include VAT & delivery")),
    ),
  );
}

/** The page's HTML for `data` ({ user, cart, nav, article, products }); what React adds (text separators `<!-- -->`, image preloads) taken out. */
export function renderPage(data) {
  return "<!DOCTYPE html>" + renderToString(h(Page, data)).replaceAll("<!-- -->", "").replace(/<link [^>]*rel="preload"[^>]*>/g, "");
}

/** The page streamed: `data.products` a promise, the grid a Suspense boundary (its fallback first, the grid when it arrives). */
export function streamPage(data) {
  return renderToReadableStream(h(Page, data));
}
