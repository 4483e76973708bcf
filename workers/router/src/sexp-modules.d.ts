// .sexp files are bundled as text modules (see the [[rules]] in wrangler.toml).
declare module "*.sexp" {
  const text: string;
  export default text;
}
