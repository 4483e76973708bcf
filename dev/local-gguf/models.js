// @ts-check
/**
 * Tiny `llama`-architecture GGUF models for the engine tests, generated rather than
 * downloaded: llama.cpp loads and runs them like any other model.
 *
 * - {@link spmVocabulary}: a SentencePiece-style vocabulary (`tokenizer.ggml.model =
 *   "llama"`): <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF> (so any text
 *   tokenizes: what no piece covers falls back to bytes), normal pieces and user-defined
 *   tokens, with `tokenize`, llama.cpp's SPM tokenization (tokenizer_st_partition, then
 *   llm_tokenizer_spm_session) ported. Normal pieces are prefix-closed and scored by
 *   length, which makes the SPM merges greedy leftmost-longest over them; user-defined
 *   tokens are cut out of the text first, wherever they occur, the longest first.
 * - {@link randomModel}: random weights. Sampled under a GBNF grammar it fuzzes the
 *   engine's constrained decoding.
 * - {@link bigramModel}: a counted bigram model whose greedy decoding reproduces its
 *   corpus: one-hot embeddings, zero attention and FFN output projections (the
 *   residual stream stays the embedding), an output norm that undoes the RMS norm,
 *   and output.weight holding log bigram counts.
 */
import { writeGguf } from "./gguf.js";

/** @typedef {import("./gguf.js").Metadata} Metadata */
/** @typedef {import("./gguf.js").Tensor} Tensor */

const UNK = 0;
const BOS = 1;
const EOS = 2;
const RMS_EPS = 1e-5;
/** SentencePiece's visible space. */
const SPACE = "\u2581";

/**
 * @typedef {object} Vocabulary
 * @property {string[]} tokens token texts as stored (in normal pieces, spaces as U+2581)
 * @property {number[]} scores
 * @property {number[]} types 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte
 * @property {(text: string) => number[]} tokenize llama.cpp's tokenization of text (no BOS, no space prefix)
 * @property {(ids: readonly number[]) => string} detokenize
 */

/**
 * A vocabulary with the given normal pieces (plain text; every prefix of each is added too,
 * scored by its length) and user-defined tokens (matched exactly wherever they occur, before
 * anything else, as llama.cpp pre-tokenizes USER_DEFINED tokens: the longest first).
 * @param {{ pieces?: Iterable<string>, userDefined?: Iterable<string>, control?: Iterable<string> }} spec
 * @returns {Vocabulary}
 */
export function spmVocabulary({ pieces = [], userDefined = [], control = [] }) {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
    scores.push(0);
  }
  /** @type {Map<string, number>} */
  const ids = new Map(tokens.map((t, i) => [t, i]));
  /** @param {string} text @param {number} type @param {number} score */
  const add = (text, type, score) => {
    if (text === "" || ids.has(text)) return;
    ids.set(text, tokens.length);
    tokens.push(text);
    types.push(type);
    scores.push(score);
  };
  // A space on its own, as every SentencePiece vocabulary has: without it a space would fall back to the bytes of "▁".
  for (const piece of [" ", ...pieces]) {
    const chars = [...piece.replaceAll(" ", SPACE)];
    for (let n = 1; n <= chars.length; n++) add(chars.slice(0, n).join(""), 1, n);
  }
  for (const text of control) add(text, 3, 0);
  for (const text of userDefined) add(text, 4, 0);
  // llama_vocab's cache_special_tokens, less the control ones (not parsed in plain text): longest (in bytes) first.
  const special = tokens
    .map((text, id) => ({ text, id }))
    .filter(({ id }) => types[id] === 4)
    .sort((a, b) => Buffer.byteLength(b.text) - Buffer.byteLength(a.text));

  /** tokenizer_st_partition: the text cut around user-defined tokens. @param {string} text */
  const partition = (text) => {
    /** @type {(string | number)[]} */
    let fragments = [text];
    for (const { text: t, id } of special) {
      fragments = fragments.flatMap((f) => {
        if (typeof f === "number" || !f.includes(t)) return [f];
        /** @type {(string | number)[]} */
        const out = [];
        let at = 0;
        for (let m = f.indexOf(t); m !== -1; m = f.indexOf(t, at)) {
          if (m > at) out.push(f.slice(at, m));
          out.push(id);
          at = m + t.length;
        }
        if (at < f.length) out.push(f.slice(at));
        return out;
      });
    }
    return fragments;
  };

  const byteToken = (/** @type {number} */ b) => 3 + b;

  /** llm_tokenizer_spm_session::tokenize, on text between user-defined tokens. @param {string} text @param {number[]} out */
  const spm = (text, out) => {
    // Symbols are characters; a merged one spans `n` of them from where it starts.
    const chars = [...text.replaceAll(" ", SPACE)];
    const syms = chars.map((_, i) => ({ n: 1, prev: i - 1, next: i + 1 < chars.length ? i + 1 : -1 }));
    const sym = (/** @type {number} */ i) => /** @type {{ n: number, prev: number, next: number }} */ (syms[i]);
    const textOf = (/** @type {number} */ i) => chars.slice(i, i + sym(i).n).join("");
    /** @typedef {{ left: number, right: number, score: number, size: number }} Bigram */
    /** @type {Bigram[]} */
    const heap = [];
    const at = (/** @type {number} */ i) => /** @type {Bigram} */ (heap[i]);
    // std::priority_queue's top: the highest score, then the leftmost.
    const above = (/** @type {number} */ a, /** @type {number} */ b) => at(a).score > at(b).score || (at(a).score === at(b).score && at(a).left < at(b).left);
    const swap = (/** @type {number} */ a, /** @type {number} */ b) => ([heap[a], heap[b]] = [at(b), at(a)]);
    /** @type {Map<string, [number, number]>} */
    const revMerge = new Map();
    const tryAdd = (/** @type {number} */ left, /** @type {number} */ right) => {
      if (left === -1 || right === -1) return;
      const merged = textOf(left) + textOf(right);
      const id = ids.get(merged);
      if (id === undefined) return;
      heap.push({ left, right, score: /** @type {number} */ (scores[id]), size: sym(left).n + sym(right).n });
      for (let i = heap.length - 1; i > 0 && above(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
      revMerge.set(merged, [left, right]);
    };
    const pop = () => {
      const top = at(0);
      const last = /** @type {Bigram} */ (heap.pop());
      if (heap.length) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && above(l, m)) m = l;
          if (r < heap.length && above(r, m)) m = r;
          if (m === i) break;
          swap(i, m);
          i = m;
        }
      }
      return top;
    };
    for (let i = 1; i < syms.length; i++) tryAdd(i - 1, i);
    while (heap.length) {
      const { left, right, size } = pop();
      const l = sym(left);
      const r = sym(right);
      if (l.n === 0 || r.n === 0 || l.n + r.n !== size) continue;
      l.n += r.n;
      r.n = 0;
      l.next = r.next;
      if (r.next >= 0) sym(r.next).prev = left;
      tryAdd(l.prev, left);
      tryAdd(left, l.next);
    }
    /** @param {number} i */
    const resegment = (i) => {
      const t = textOf(i);
      const id = ids.get(t);
      if (id !== undefined) return void out.push(id);
      const parts = revMerge.get(t);
      if (!parts) return void out.push(...Buffer.from(t, "utf8").map(byteToken));
      resegment(parts[0]);
      resegment(parts[1]);
    };
    for (let i = syms.length ? 0 : -1; i !== -1; i = sym(i).next) resegment(i);
  };
  /** @param {string} text */
  const tokenize = (text) => {
    /** @type {number[]} */
    const out = [];
    for (const f of partition(text)) typeof f === "number" ? out.push(f) : spm(f, out);
    return out;
  };
  /** @param {readonly number[]} list */
  const detokenize = (list) =>
    Buffer.concat(
      list.map((id) => {
        const text = tokens[id] ?? "";
        return types[id] === 6 ? Buffer.from([id - 3]) : types[id] === 1 ? Buffer.from(text.replaceAll(SPACE, " "), "utf8") : types[id] === 4 ? Buffer.from(text, "utf8") : Buffer.alloc(0);
      }),
    ).toString("utf8");
  return { tokens, scores, types, tokenize, detokenize };
}

/**
 * A llama-architecture model as GGUF bytes. `weight(name, dims)` gives each tensor's values
 * (ggml order: dims[0] is contiguous, so a [n_in, n_out] matrix is n_out rows of n_in).
 * `chatTemplate` is a Jinja chat template (tokenizer.chat_template); without one the sidecar writes a plain transcript.
 * @param {{ name: string, vocab: Vocabulary, nEmbd: number, nHead: number, headDim: number, nFf: number, nLayer: number, contextLength: number, weight: (name: string, dims: number[]) => Float32Array, chatTemplate?: string }} spec
 */
export function llamaGguf({ name, vocab, nEmbd, nHead, headDim, nFf, nLayer, contextLength, weight, chatTemplate }) {
  const nVocab = vocab.tokens.length;
  /** @type {Metadata[]} */
  const metadata = [
    ["general.architecture", "str", "llama"],
    ["general.name", "str", name],
    ["general.file_type", "u32", 0], // all F32
    ["llama.context_length", "u32", contextLength],
    ["llama.embedding_length", "u32", nEmbd],
    ["llama.block_count", "u32", nLayer],
    ["llama.feed_forward_length", "u32", nFf],
    ["llama.attention.head_count", "u32", nHead],
    ["llama.attention.head_count_kv", "u32", nHead],
    // The head size need not be n_embd / n_head; llama requires n_rot to equal it.
    ["llama.attention.key_length", "u32", headDim],
    ["llama.attention.value_length", "u32", headDim],
    ["llama.rope.dimension_count", "u32", headDim],
    ["llama.attention.layer_norm_rms_epsilon", "f32", RMS_EPS],
    ["llama.vocab_size", "u32", nVocab],
    ["tokenizer.ggml.model", "str", "llama"],
    ["tokenizer.ggml.tokens", "str[]", vocab.tokens],
    ["tokenizer.ggml.scores", "f32[]", vocab.scores],
    ["tokenizer.ggml.token_type", "i32[]", vocab.types],
    ["tokenizer.ggml.unknown_token_id", "u32", UNK],
    ["tokenizer.ggml.bos_token_id", "u32", BOS],
    ["tokenizer.ggml.eos_token_id", "u32", EOS],
    ["tokenizer.ggml.add_bos_token", "bool", true],
    ["tokenizer.ggml.add_eos_token", "bool", false],
    // No leading space before the text: a prompt tokenizes as its corpus prefix does.
    ["tokenizer.ggml.add_space_prefix", "bool", false],
  ];
  if (chatTemplate !== undefined) metadata.push(["tokenizer.chat_template", "str", chatTemplate]);
  /** @type {[string, number[]][]} */
  const shapes = [
    ["token_embd.weight", [nEmbd, nVocab]],
    ["output_norm.weight", [nEmbd]],
    ["output.weight", [nEmbd, nVocab]],
  ];
  for (let i = 0; i < nLayer; i++) {
    shapes.push(
      [`blk.${i}.attn_norm.weight`, [nEmbd]],
      [`blk.${i}.attn_q.weight`, [nEmbd, nHead * headDim]],
      [`blk.${i}.attn_k.weight`, [nEmbd, nHead * headDim]],
      [`blk.${i}.attn_v.weight`, [nEmbd, nHead * headDim]],
      [`blk.${i}.attn_output.weight`, [nHead * headDim, nEmbd]],
      [`blk.${i}.ffn_norm.weight`, [nEmbd]],
      [`blk.${i}.ffn_gate.weight`, [nEmbd, nFf]],
      [`blk.${i}.ffn_up.weight`, [nEmbd, nFf]],
      [`blk.${i}.ffn_down.weight`, [nFf, nEmbd]],
    );
  }
  /** @type {Tensor[]} */
  const tensors = shapes.map(([n, dims]) => ({ name: n, dims, data: weight(n, dims) }));
  return writeGguf({ metadata, tensors });
}

/** A seeded generator of standard normal values (mulberry32 and Box-Muller). @param {number} seed */
function normals(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Pieces that s-expressions are made of, so random output is not all bytes. */
export const SEXP_PIECES = ["(", ")", " ", "\"", ":", "page", "section", "div", "p", "h1", "ul", "li", "a", "title", "class", "href", "text", "query", "item", "name", "price", "let", "each", "if", "hello", "world"];

/**
 * A model with random weights (normal, scaled so that logits spread over a few units).
 * @param {{ seed?: number, pieces?: Iterable<string>, nEmbd?: number, nHead?: number, headDim?: number, nFf?: number, nLayer?: number, contextLength?: number }} [options]
 * @returns {{ gguf: Buffer, vocab: Vocabulary }}
 */
export function randomModel({ seed = 1, pieces = SEXP_PIECES, nEmbd = 32, nHead = 2, headDim = 8, nFf = 64, nLayer = 2, contextLength = 16384 } = {}) {
  const vocab = spmVocabulary({ pieces });
  const next = normals(seed);
  const gguf = llamaGguf({
    name: `random-${seed}`,
    vocab,
    nEmbd,
    nHead,
    headDim,
    nFf,
    nLayer,
    contextLength,
    weight: (name, dims) => {
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
      if (name.endsWith("norm.weight")) return data.fill(1);
      const scale = name === "token_embd.weight" ? 1 : 1 / Math.sqrt(dims[0] ?? 1);
      for (let i = 0; i < data.length; i++) data[i] = next() * scale;
      return data;
    },
  });
  return { gguf, vocab };
}

/**
 * The pieces of a document: a string is split into words (each with the whitespace before
 * it); an array is taken as it is, each element one piece. Each piece becomes a user-defined
 * token, so it is one token wherever its text occurs (unless a longer piece covers it there).
 * End a piece where a prompt ends, so that the prompt's last token is one the model was
 * counted on: the whole prompt, say, `user: show me the products\nassistant:`.
 * @param {string | readonly string[]} doc
 */
export function segments(doc) {
  return typeof doc === "string" ? (doc.match(/\s*\S+|\s+$/gu) ?? []) : doc;
}

/**
 * A counted bigram model of a corpus: the logits after a token are the log counts of what
 * followed it in the corpus (ties to the one seen first), and after a token it never saw,
 * end of text. Greedy decoding after a prompt that is a prefix of a document, ending at a
 * piece boundary, continues with the rest of that document and stops where it ends, as long
 * as no token of the corpus is followed by different tokens in different places: those are
 * listed in `ambiguous`.
 * With a `chatTemplate` (and its `control` tokens, such as `<|im_start|>`), the sidecar writes
 * prompts with the template instead: the prompt's last token is then the template's assistant
 * header, whatever was asked.
 * @param {readonly (string | readonly string[])[]} corpus
 * @param {{ chatTemplate?: string, control?: Iterable<string> }} [options]
 * @returns {{ gguf: Buffer, vocab: Vocabulary, ambiguous: string[] }}
 */
export function bigramModel(corpus, { chatTemplate, control } = {}) {
  const vocab = spmVocabulary({ userDefined: corpus.flatMap((doc) => [...segments(doc)]), ...(control ? { control } : {}) });
  /** @type {Map<number, Map<number, number>>} counts[current][next], in order of first sight */
  const counts = new Map();
  for (const doc of corpus) {
    const ids = [BOS, ...vocab.tokenize([...segments(doc)].join("")), EOS];
    ids.slice(1).forEach((next, i) => {
      const current = /** @type {number} */ (ids[i]);
      const row = counts.get(current) ?? new Map();
      counts.set(current, row);
      row.set(next, (row.get(next) ?? 0) + 1);
    });
  }
  const contexts = [...counts.keys()];
  // Dimension 0 stands for every token the corpus never shows followed by anything.
  const nEmbd = contexts.length + 1;
  const dim = new Map(contexts.map((id, i) => [id, i + 1]));
  const nVocab = vocab.tokens.length;
  const ambiguous = contexts.filter((id) => id !== BOS && /** @type {Map<number, number>} */ (counts.get(id)).size > 1).map((id) => vocab.detokenize([id]));
  const gguf = llamaGguf({
    name: "bigram",
    vocab,
    ...(chatTemplate === undefined ? {} : { chatTemplate }),
    nEmbd,
    nHead: 1,
    headDim: 2,
    nFf: 2,
    nLayer: 1,
    contextLength: 16384,
    weight: (name, dims) => {
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
      if (name === "token_embd.weight") {
        for (let t = 0; t < nVocab; t++) data[t * nEmbd + (dim.get(t) ?? 0)] = 1;
      } else if (name === "output_norm.weight") {
        // rms_norm(e_d) = e_d / sqrt(1/n + eps): scale back to the one-hot vector.
        data.fill(Math.sqrt(1 / nEmbd + RMS_EPS));
      } else if (name === "output.weight") {
        data.fill(-30);
        data[EOS * nEmbd] = 0;
        for (const [id, row] of counts) {
          const d = /** @type {number} */ (dim.get(id));
          let rank = 0;
          for (const [nextId, count] of row) data[nextId * nEmbd + d] = Math.log(count) + 1e-3 * (row.size - rank++) / row.size;
        }
      } else if (name.endsWith("norm.weight")) {
        data.fill(1);
      }
      // Attention and FFN weights stay zero: attn_output and ffn_down add nothing to the residual.
      return data;
    },
  });
  return { gguf, vocab, ambiguous };
}
