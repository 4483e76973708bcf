// .sexp files are bundled as text modules (see the [[rules]] in wrangler.toml).
declare module "*.sexp" {
  const text: string;
  export default text;
}

// Static text assets (see the [[rules]] in wrangler.toml).
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.svg" {
  const text: string;
  export default text;
}
declare module "htmx.org/dist/htmx.min.js" {
  const text: string;
  export default text;
}
