/** The resolver: per-request I/O for s-expression pages. */
export { configureNeon, neonDb, type Db, type Row } from "./db.ts";
export { RequestIO, TimeoutError, type RequestIOOptions } from "./request-io.ts";
export { registerQuery, type ResolverIO } from "./query.ts";
