/**
 * Preact peer: the same page as function components built with `h()` (no
 * JSX build step), rendered with preact-render-to-string.
 */
import { h } from "preact";
import { renderToString } from "preact-render-to-string";

const money = (n) => "£" + n.toFixed(2);

function UserMenu({ user, cart }) {
  return h(
    "div",
    { class: "user-menu" },
    h("img", { class: "avatar", src: user.avatar, alt: user.name }),
    h("span", { class: "greeting" }, "Hello, ", user.name),
    h("a", { href: "/account/" }, "Account"),
    h(
      "a",
      { class: "cart", href: "/cart/" },
      h("span", { class: "cart-count" }, cart.count),
      " items · ",
      h("span", { class: "cart-total" }, money(cart.total)),
    ),
  );
}

function SiteHeader({ user, cart }) {
  return h(
    "header",
    { class: "site-header" },
    h("a", { class: "logo", href: "/" }, "Rose Ash Market"),
    h(
      "form",
      { class: "search", action: "/search/", method: "get" },
      h("input", { type: "search", name: "q", placeholder: "Search products…" }),
    ),
    h(UserMenu, { user, cart }),
  );
}

function NavLink({ link }) {
  return h("li", null, h("a", { href: link.href }, link.title));
}

function NavGroup({ group }) {
  return h(
    "li",
    { class: "nav-group" },
    h("a", { href: group.href }, group.title),
    h("ul", null, group.links.map((link) => h(NavLink, { link }))),
  );
}

function NavSection({ section }) {
  return h(
    "li",
    { class: "nav-section" },
    h("a", { href: section.href }, section.title),
    h("ul", null, section.groups.map((group) => h(NavGroup, { group }))),
  );
}

function SiteNav({ sections }) {
  return h("nav", { class: "site-nav" }, h("ul", null, sections.map((section) => h(NavSection, { section }))));
}

function Post({ article }) {
  return h(
    "article",
    { class: "post" },
    h("h1", null, article.title),
    h("p", { class: "byline" }, "By ", article.author),
    article.paragraphs.map((para) => h("p", null, para)),
  );
}

function ProductCard({ product }) {
  const soldOut = product.stock <= 0;
  return h(
    "div",
    { class: soldOut ? "card sold-out" : "card", "data-stock": product.stock },
    h("h3", null, h("a", { href: "/products/" + product.slug + "/" }, product.name)),
    h("p", { class: "category" }, product.category),
    h(
      "div",
      { class: "badges" },
      product.new && h("span", { class: "badge new" }, "New"),
      product.on_sale && h("span", { class: "badge sale" }, "Sale"),
      soldOut && h("span", { class: "badge out" }, "Out of stock"),
    ),
    h("p", { class: "price" }, money(product.price)),
    h("button", { class: "add", disabled: soldOut }, "Add to cart"),
  );
}

function Page({ user, cart, nav, article, products }) {
  return h(
    "html",
    { lang: "en" },
    h(
      "head",
      null,
      h("meta", { charset: "utf-8" }),
      h("title", null, article.title),
      h("link", { rel: "stylesheet", href: "/static/site.css" }),
    ),
    h(
      "body",
      null,
      h(SiteHeader, { user, cart }),
      h(SiteNav, { sections: nav }),
      h(
        "main",
        null,
        h(Post, { article }),
        h(
          "section",
          { class: "products" },
          h("h2", null, "Products"),
          h("div", { class: "grid" }, products.map((product) => h(ProductCard, { product }))),
        ),
      ),
      h("footer", null, h("p", null, "© 2025 Rose Ash — prices include VAT & delivery")),
    ),
  );
}

/** The page's HTML for `data` ({ user, cart, nav, article, products }). */
export function renderPage(data) {
  return "<!DOCTYPE html>" + renderToString(h(Page, data));
}
