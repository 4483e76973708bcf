/**
 * Nunjucks peer (the Jinja port the platform replaces): the same page as a
 * template with macros, autoescape on, compiled once; each render is only
 * `template.render(data)`.
 */
import nunjucks from "nunjucks";

// Written readably; line breaks and indentation are removed before compiling
// (no line break in the template is meaningful), so the output has no
// whitespace between tags, like the other contenders.
export const SOURCE = `
{% macro money(n) %}£{{ n | fixed2 }}{% endmacro %}

{% macro userMenu(user, cart) %}
<div class="user-menu">
  <img class="avatar" src="{{ user.avatar }}" alt="{{ user.name }}">
  <span class="greeting">Hello, {{ user.name }}</span>
  <a href="/account/">Account</a>
  <a class="cart" href="/cart/">
    <span class="cart-count">{{ cart.count }}</span> items · <span class="cart-total">{{ money(cart.total) }}</span>
  </a>
</div>
{% endmacro %}

{% macro siteHeader(user, cart) %}
<header class="site-header">
  <a class="logo" href="/">Rose Ash Market</a>
  <form class="search" action="/search/" method="get">
    <input type="search" name="q" placeholder="Search products…">
  </form>
  {{ userMenu(user, cart) }}
</header>
{% endmacro %}

{% macro navLink(link) %}<li><a href="{{ link.href }}">{{ link.title }}</a></li>{% endmacro %}

{% macro navGroup(group) %}
<li class="nav-group">
  <a href="{{ group.href }}">{{ group.title }}</a>
  <ul>{% for link in group.links %}{{ navLink(link) }}{% endfor %}</ul>
</li>
{% endmacro %}

{% macro navSection(section) %}
<li class="nav-section">
  <a href="{{ section.href }}">{{ section.title }}</a>
  <ul>{% for group in section.groups %}{{ navGroup(group) }}{% endfor %}</ul>
</li>
{% endmacro %}

{% macro siteNav(sections) %}
<nav class="site-nav"><ul>{% for section in sections %}{{ navSection(section) }}{% endfor %}</ul></nav>
{% endmacro %}

{% macro post(article) %}
<article class="post">
  <h1>{{ article.title }}</h1>
  <p class="byline">By {{ article.author }}</p>
  {% for para in article.paragraphs %}<p>{{ para }}</p>{% endfor %}
</article>
{% endmacro %}

{% macro productCard(product) %}
{% set soldOut = product.stock <= 0 %}
<div class="card{% if soldOut %} sold-out{% endif %}" data-stock="{{ product.stock }}">
  <h3><a href="/products/{{ product.slug }}/">{{ product.name }}</a></h3>
  <p class="category">{{ product.category }}</p>
  <div class="badges">
    {% if product.new %}<span class="badge new">New</span>{% endif %}
    {% if product.on_sale %}<span class="badge sale">Sale</span>{% endif %}
    {% if soldOut %}<span class="badge out">Out of stock</span>{% endif %}
  </div>
  <p class="price">{{ money(product.price) }}</p>
  <button class="add"{% if soldOut %} disabled{% endif %}>Add to cart</button>
</div>
{% endmacro %}

<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{ article.title }}</title>
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  {{ siteHeader(user, cart) }}
  {{ siteNav(nav) }}
  <main>
    {{ post(article) }}
    <section class="products">
      <h2>Products</h2>
      <div class="grid">{% for product in products %}{{ productCard(product) }}{% endfor %}</div>
    </section>
  </main>
  <footer><p>© 2025 Rose Ash — prices include VAT &amp; delivery</p></footer>
</body>
</html>
`.replace(/\n\s*/g, "");

const env = new nunjucks.Environment(null, { autoescape: true });
/** The page's own filter, as the app gives it to Nunjucks. */
export const fixed2 = (n) => n.toFixed(2);
env.addFilter("fixed2", fixed2);
// What nunjucks.compile does; eagerCompile = true compiles to JS now, not in the first render.
const template = new nunjucks.Template(SOURCE, env, "page.njk", true);

/** The page's HTML for `data` ({ user, cart, nav, article, products }). */
export function renderPage(data) {
  return template.render(data);
}
