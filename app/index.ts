/**
 * The site's s-expression sources, bundled as text (wrangler's Text module
 * rule for .sexp). The resolver loads `sources`; the router also `routes`.
 * Components in fragments/<service>.sexp are that service's fragments.
 */
import blog from "./components/blog.sexp";
import dates from "./components/dates.sexp";
import cart from "./components/cart.sexp";
import events from "./components/events.sexp";
import layout from "./components/layout.sexp";
import market from "./components/market.sexp";
import media from "./components/media.sexp";
import llm from "./components/llm.sexp";
import account from "./components/account.sexp";
import admin from "./components/admin.sexp";
import federation from "./components/federation.sexp";
import migrated from "./components/migrated.sexp";
import accountFragments from "./fragments/account.sexp";
import blogFragments from "./fragments/blog.sexp";
import cartFragments from "./fragments/cart.sexp";
import accountQueries from "./queries/account.sexp";
import blogQueries from "./queries/blog.sexp";
import cartQueries from "./queries/cart.sexp";
import eventsQueries from "./queries/events.sexp";
import marketQueries from "./queries/market.sexp";
import llmQueries from "./queries/llm.sexp";
import federationQueries from "./queries/federation.sexp";
import site from "./routes/site.sexp";
import cartRoutes from "./routes/cart.sexp";
import accountRoutes from "./routes/account.sexp";
import llmRoutes from "./routes/llm.sexp";
import fedRoutes from "./routes/fed.sexp";

/** The legacy Nunjucks templates (app/templates), precompiled at build time (dev/templates.js): what `(jinja ...)` renders. */
export { default as templates } from "./templates.generated.js";

export interface SourceText {
  readonly name: string;
  readonly text: string;
}

export const sources: readonly SourceText[] = [
  { name: "app/components/layout.sexp", text: layout },
  { name: "app/components/dates.sexp", text: dates },
  { name: "app/components/media.sexp", text: media },
  { name: "app/components/blog.sexp", text: blog },
  { name: "app/components/market.sexp", text: market },
  { name: "app/components/cart.sexp", text: cart },
  { name: "app/components/events.sexp", text: events },
  { name: "app/components/account.sexp", text: account },
  { name: "app/components/admin.sexp", text: admin },
  { name: "app/components/llm.sexp", text: llm },
  { name: "app/components/federation.sexp", text: federation },
  { name: "app/components/migrated.sexp", text: migrated },
  { name: "app/fragments/account.sexp", text: accountFragments },
  { name: "app/fragments/blog.sexp", text: blogFragments },
  { name: "app/fragments/cart.sexp", text: cartFragments },
  { name: "app/queries/account.sexp", text: accountQueries },
  { name: "app/queries/blog.sexp", text: blogQueries },
  { name: "app/queries/cart.sexp", text: cartQueries },
  { name: "app/queries/events.sexp", text: eventsQueries },
  { name: "app/queries/market.sexp", text: marketQueries },
  { name: "app/queries/llm.sexp", text: llmQueries },
  { name: "app/queries/federation.sexp", text: federationQueries },
];

export const routes: readonly SourceText[] = [
  { name: "app/routes/site.sexp", text: site },
  { name: "app/routes/cart.sexp", text: cartRoutes },
  { name: "app/routes/account.sexp", text: accountRoutes },
  { name: "app/routes/llm.sexp", text: llmRoutes },
  { name: "app/routes/fed.sexp", text: fedRoutes },
];
