// @ts-check
/**
 * The local stand-in for Neon's proxy, speaking both of the serverless
 * driver's protocols on one port: WebSockets (its `wsProxy`, for Pool and
 * Client), each carrying one Postgres connection as binary frames; and HTTP
 * `POST /sql` (its `fetchEndpoint`, for `neon()` queries), see http-sql.js.
 * It only ever connects to the one configured target (the driver's
 * `?address=` is ignored), so it is not an open proxy.
 */
import { createServer } from "node:http";
import net from "node:net";
import { WebSocketServer } from "ws";
import { FrontendMessages } from "./frontend-messages.js";
import { httpSql } from "./http-sql.js";

/** How long after a Terminate the relay waits for the client to close its WebSocket. */
const CLOSE_GRACE_MS = 1000;

/**
 * @param {{ target: { host: string, port: number }, port?: number, host?: string }} options
 * @returns {Promise<{ port: number, close(): Promise<void> }>}
 */
export async function startRelay({ target, port = 0, host = "127.0.0.1" }) {
  const sql = httpSql(target);
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url?.split("?")[0] === "/sql") return void sql.handle(req, res);
    res.writeHead(404, { "content-type": "text/plain" }).end("POST /sql, or a WebSocket");
  });
  const wss = new WebSocketServer({ server });
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  wss.on("connection", (ws) => {
    const socket = net.connect(target);
    sockets.add(socket);
    socket.setNoDelay(true);
    const messages = new FrontendMessages();
    /** @type {Buffer[]} */
    const early = [];
    let connected = false;
    let terminated = false;
    socket.on("connect", () => {
      connected = true;
      for (const b of early) socket.write(b);
      early.length = 0;
    });
    ws.on("message", (data) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(/** @type {ArrayBuffer} */ (data));
      if (connected) socket.write(bytes);
      else early.push(bytes);
      // The client said goodbye: end the database side (pglite-socket would
      // not); the client closes its WebSocket itself.
      if (messages.push(bytes)) {
        terminated = true;
        socket.end();
        // Some clients (the driver under Node) wait for the server to close.
        setTimeout(() => ws.readyState === ws.OPEN && ws.close(1000), CLOSE_GRACE_MS).unref();
      }
    });
    socket.on("data", (b) => ws.readyState === ws.OPEN && ws.send(b, { binary: true }));
    socket.on("close", () => {
      sockets.delete(socket);
      // The database went away first: tell the client. After a Terminate the
      // client closes the WebSocket itself, or the grace timer does (closing
      // it from both ends at once makes workerd report a lost connection).
      if (!terminated) ws.close(1000);
    });
    socket.on("error", () => ws.close(1011, "database connection failed"));
    ws.on("close", () => socket.end());
    ws.on("error", () => socket.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => void sql.close().then(() => resolve()));
      }),
  };
}
