// @ts-check
/**
 * Follows the Postgres frontend (client -> server) message framing so the
 * relay can see the Terminate message: pglite-socket does not close the
 * connection on it, and a client waiting for the close would hang.
 *
 * Before startup, packets are `int32 length` + body (SSLRequest and
 * GSSENCRequest keep us in this phase; StartupMessage/CancelRequest end it);
 * afterwards every message is `type byte` + `int32 length` + body.
 */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const TERMINATE = 0x58; // 'X'

export class FrontendMessages {
  constructor() {
    /** @type {Buffer} */
    this.pending = Buffer.alloc(0);
    this.started = false;
  }

  /**
   * Feed client bytes; true once a Terminate message has been seen.
   * @param {Buffer} chunk
   */
  push(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (!this.started) {
        if (this.pending.length < 8) return false;
        const length = this.pending.readInt32BE(0);
        if (this.pending.length < length) return false;
        const code = this.pending.readInt32BE(4);
        this.pending = this.pending.subarray(length);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.started = true;
        continue;
      }
      if (this.pending.length < 5) return false;
      const type = this.pending[0];
      const length = this.pending.readInt32BE(1);
      if (this.pending.length < 1 + length) return false;
      this.pending = this.pending.subarray(1 + length);
      if (type === TERMINATE) return true;
    }
  }
}
