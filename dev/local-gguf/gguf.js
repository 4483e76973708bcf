// @ts-check
/**
 * A GGUF v3 writer: enough of the format (ggml-org/ggml docs/gguf.md, ggml/src/gguf.cpp)
 * to write the small F32 models the tests generate for llama.cpp (see models.js).
 *
 * Layout: "GGUF", version (u32), tensor count (u64), metadata count (u64); each
 * metadata pair as key (u64 length + UTF-8), value type (u32), value; each tensor as
 * name, dimension count (u32), dimensions (u64, ggml order: ne[0], the contiguous
 * one, first), ggml type (u32, F32 = 0), offset (u64) into the data section; then
 * the data section at the next multiple of the alignment, each tensor's data
 * padded to it. llama.cpp rejects a tensor whose offset is not exactly the padded
 * sum of the ones before it, so tensors are laid out in the order they are listed.
 */

/** GGUF metadata value types (gguf.h `enum gguf_type`). */
const TYPE = /** @type {const} */ ({ u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, array: 9, u64: 10, i64: 11, f64: 12 });

/** @typedef {"u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "bool" | "str" | "u64" | "i64" | "f64"} ScalarType */
/**
 * One metadata pair: `[key, type, value]`; an array's type is its element type followed by `[]`.
 * @typedef {[string, ScalarType, number | bigint | boolean | string] | [string, `${ScalarType}[]`, readonly (number | bigint | boolean | string)[]]} Metadata
 */
/** A tensor: its name, its dimensions in ggml order (ne[0] first) and its F32 data. @typedef {{ name: string, dims: readonly number[], data: Float32Array }} Tensor */

const ALIGNMENT = 32;

/** Serializes a model. @param {{ metadata: readonly Metadata[], tensors: readonly Tensor[] }} model @returns {Buffer} */
export function writeGguf({ metadata, tensors }) {
  /** @type {Buffer[]} */
  const parts = [];
  let size = 0;
  /** @param {Buffer} b */
  const push = (b) => {
    parts.push(b);
    size += b.length;
  };
  /** @param {number} n @param {(b: Buffer) => void} write */
  const fixed = (n, write) => {
    const b = Buffer.alloc(n);
    write(b);
    push(b);
  };
  /** @param {string} s */
  const str = (s) => {
    const bytes = Buffer.from(s, "utf8");
    fixed(8, (b) => b.writeBigUInt64LE(BigInt(bytes.length)));
    push(bytes);
  };
  /** @param {ScalarType} type @param {number | bigint | boolean | string} v */
  const scalar = (type, v) => {
    if (type === "str") return str(String(v));
    const n = typeof v === "boolean" ? Number(v) : v;
    const w = /** @type {Record<Exclude<ScalarType, "str">, [number, (b: Buffer) => unknown]>} */ ({
      u8: [1, (b) => b.writeUInt8(Number(n))],
      i8: [1, (b) => b.writeInt8(Number(n))],
      u16: [2, (b) => b.writeUInt16LE(Number(n))],
      i16: [2, (b) => b.writeInt16LE(Number(n))],
      u32: [4, (b) => b.writeUInt32LE(Number(n))],
      i32: [4, (b) => b.writeInt32LE(Number(n))],
      f32: [4, (b) => b.writeFloatLE(Number(n))],
      bool: [1, (b) => b.writeUInt8(n ? 1 : 0)],
      u64: [8, (b) => b.writeBigUInt64LE(BigInt(n))],
      i64: [8, (b) => b.writeBigInt64LE(BigInt(n))],
      f64: [8, (b) => b.writeDoubleLE(Number(n))],
    })[type];
    fixed(w[0], w[1]);
  };
  /** @param {number} n */
  const u32 = (n) => fixed(4, (b) => b.writeUInt32LE(n));
  /** @param {number} n */
  const u64 = (n) => fixed(8, (b) => b.writeBigUInt64LE(BigInt(n)));
  const pad = () => push(Buffer.alloc((ALIGNMENT - (size % ALIGNMENT)) % ALIGNMENT));

  const keys = new Set();
  const all = /** @type {Metadata[]} */ ([["general.alignment", "u32", ALIGNMENT], ...metadata.filter(([k]) => k !== "general.alignment")]);
  push(Buffer.from("GGUF", "latin1"));
  u32(3);
  u64(tensors.length);
  u64(all.length);
  for (const [key, type, value] of all) {
    if (keys.has(key)) throw new Error(`gguf: duplicate metadata key ${key}`);
    keys.add(key);
    str(key);
    if (Array.isArray(value)) {
      const element = /** @type {ScalarType} */ (type.slice(0, -2));
      u32(TYPE.array);
      u32(TYPE[element]);
      u64(value.length);
      for (const v of value) scalar(element, v);
    } else {
      u32(TYPE[/** @type {ScalarType} */ (type)]);
      scalar(/** @type {ScalarType} */ (type), /** @type {number | bigint | boolean | string} */ (value));
    }
  }
  let offset = 0;
  for (const t of tensors) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`gguf: tensor ${t.name} has ${t.data.length} values for dimensions ${t.dims.join("x")}`);
    str(t.name);
    u32(t.dims.length);
    for (const d of t.dims) u64(d);
    u32(0); // GGML_TYPE_F32
    u64(offset);
    offset += Math.ceil((count * 4) / ALIGNMENT) * ALIGNMENT;
  }
  for (const t of tensors) {
    pad();
    const bytes = Buffer.alloc(t.data.length * 4);
    t.data.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    push(bytes);
  }
  pad();
  return Buffer.concat(parts, size);
}
