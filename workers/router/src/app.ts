/** The site's sources, bundled as text (wrangler's Text module rule for .sexp). */
import blog from "../../../app/components/blog.sexp";
import events from "../../../app/components/events.sexp";
import layout from "../../../app/components/layout.sexp";
import market from "../../../app/components/market.sexp";
import blogQueries from "../../../app/queries/blog.sexp";
import cartQueries from "../../../app/queries/cart.sexp";
import eventsQueries from "../../../app/queries/events.sexp";
import marketQueries from "../../../app/queries/market.sexp";
import routes from "../../../app/routes/site.sexp";
import type { Source } from "./site.ts";

export const app: Source[] = [
  { name: "app/components/layout.sexp", text: layout },
  { name: "app/components/blog.sexp", text: blog },
  { name: "app/components/market.sexp", text: market },
  { name: "app/components/events.sexp", text: events },
  { name: "app/queries/blog.sexp", text: blogQueries },
  { name: "app/queries/cart.sexp", text: cartQueries },
  { name: "app/queries/events.sexp", text: eventsQueries },
  { name: "app/queries/market.sexp", text: marketQueries },
  { name: "app/routes/site.sexp", text: routes },
];
