// @ts-check
/**
 * A WebSocket-to-TCP relay that speaks what the Neon serverless driver
 * expects of its `wsProxy`: each WebSocket carries one Postgres connection as
 * binary frames. It only ever connects to the one configured target (the
 * driver's `?address=` is ignored), so it is not an open proxy.
 */
import net from "node:net";
import { WebSocketServer } from "ws";
import { FrontendMessages } from "./frontend-messages.js";

/** How long after a Terminate the relay waits for the client to close its WebSocket. */
const CLOSE_GRACE_MS = 1000;

/**
 * @param {{ target: { host: string, port: number }, port?: number, host?: string }} options
 * @returns {Promise<{ port: number, close(): Promise<void> }>}
 */
export async function startRelay({ target, port = 0, host = "127.0.0.1" }) {
  const wss = new WebSocketServer({ port, host });
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
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  const address = /** @type {import("node:net").AddressInfo} */ (wss.address());
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
