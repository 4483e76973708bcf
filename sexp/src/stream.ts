/**
 * A render sent as it is written: what is ready goes out at once (the page's
 * shell, everything before the first part waiting on I/O), the rest in order
 * as the holes before it fill. Parts marked `(defer ...)` are sent out of
 * order: their fallback in place now, their content after the rest of the
 * page, as it finishes, moved into place by a tiny inline script (see
 * `lateContent`).
 */
import type { Done } from "./emit.ts";
import type { OutOfOrder } from "./runtime.ts";
import { Sink } from "./sink.ts";
import { hiddenWithin, type Within } from "./within.ts";

const utf8 = new TextEncoder();

/** The page's end, held back while deferred parts are still to come (they go inside the body). */
const END = "</body></html>";

/** A deferred part: written into its own sink, sent once done. */
interface Late {
  readonly id: number;
  readonly sink: Sink;
  readonly within: Within;
  done: boolean;
  sent: boolean;
}

export class PageStream implements OutOfOrder {
  /** Where the render writes. */
  readonly sink: Sink;
  /** The page as UTF-8, chunk by chunk. */
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private queued = false;
  private ended = false;
  /** Everything in `sink` has been sent. */
  private inOrderSent = false;
  private readonly lates: Late[] = [];
  private heldEnd = "";
  /** What was sent in order, and each deferred part's markup, when kept (a page stored once it is all there). */
  private readonly kept: { readonly inOrder: string[]; readonly late: Map<number, string> } | null;

  constructor(options: { keep?: boolean } = {}) {
    this.kept = options.keep ? { inOrder: [], late: new Map() } : null;
    this.sink = new Sink(() => this.schedule());
    this.body = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.controller = c;
      },
      cancel: () => {
        this.ended = true;
      },
    });
  }

  /**
   * The page as it reads once all of it is there, each deferred part in its
   * placeholder's place (what is stored: no swap scripts, no fallbacks);
   * kept only when asked for.
   */
  get text(): string {
    if (this.kept === null) return "";
    const { inOrder, late } = this.kept;
    const page = inOrder.join("");
    return late.size ? page.replace(PLACED, (m, id: string | undefined, marked: string | undefined) => late.get(Number(id ?? marked)) ?? m) : page;
  }

  /** A deferred part (`OutOfOrder`): its number, for its placeholder. */
  place(write: (into: Sink) => Done, within: Within): number {
    // Its sink is not part of the streamed page (it is sent whole, once done): a `defer` inside it renders in place.
    const late: Late = { id: this.lates.length + 1, sink: new Sink(), within, done: false, sent: false };
    late.sink.within = within;
    this.lates.push(late);
    const finished = (): void => {
      late.done = true;
      late.sink.close();
      this.schedule();
    };
    let done: Done;
    try {
      done = write(late.sink);
    } catch (e) {
      done = Promise.reject(e);
    }
    if (done === undefined) finished();
    else
      done.then(finished, (e: unknown) => {
        // What `write` could not write in place (see EvalContext.renderError) is left out.
        console.error(`a deferred part failed: ${e instanceof Error ? e.message : String(e)}`);
        late.sink.clear();
        finished();
      });
    return late.id;
  }

  /**
   * Send what is written so far, then the rest as it comes; the page ends
   * when the render is `done` and every deferred part is sent. A failure
   * nothing wrote in place (see EvalContext.renderError) ends the in-order
   * part with `last(error)`.
   */
  follow(done: Done, last: (error: unknown) => string): Promise<void> {
    const closeSink = (): void => {
      this.sink.close();
      this.flush();
    };
    this.flush();
    if (done === undefined) return Promise.resolve(closeSink());
    return done.then(closeSink, (e: unknown) => {
      this.sink.text += last(e);
      closeSink();
    });
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.ended) return;
    let inOrder = "";
    if (!this.inOrderSent) {
      const taken = this.sink.take();
      inOrder = taken.text;
      this.inOrderSent = taken.done;
    }
    // Deferred parts follow the in-order part, each as soon as it is done.
    let late = "";
    if (this.inOrderSent) {
      for (const part of this.lates) {
        if (!part.done || part.sent) continue;
        const html = part.sink.finish();
        this.kept?.late.set(part.id, html);
        late += lateContent(part.id, html, part.within, !this.lates.some((l) => l.sent));
        part.sent = true;
      }
    }
    const finished = this.inOrderSent && this.lates.every((l) => l.sent);
    if (!finished && inOrder.endsWith(END)) {
      inOrder = inOrder.slice(0, -END.length);
      this.heldEnd = END;
    }
    let end = "";
    if (finished) (end = this.heldEnd), (this.heldEnd = "");
    this.kept?.inOrder.push(inOrder, end);
    const text = inOrder + late + end;
    if (text) this.controller.enqueue(utf8.encode(text));
    if (finished) {
      this.ended = true;
      this.controller.close();
    }
  }
}

/**
 * The script that moves a deferred part into its placeholder (sent once,
 * before the first): an `sx-defer` element replaced by the content, or,
 * where no such element may stand (see `placeholder`), the nodes from its
 * `template` marker to the comment that ends the fallback.
 */
const SWAP =
  "<script>function $sx(i){var p=document.getElementById('sx-p'+i),c=document.getElementById('sx-c'+i),n;if(!p||!c)return;" +
  "if(p.tagName==='TEMPLATE'){for(n=p.nextSibling;n&&!(n.nodeType===8&&n.data==='/sx-p'+i);n=p.nextSibling)n.remove();if(n)n.remove()}" +
  "p.replaceWith.apply(p,Array.prototype.slice.call(c.childNodes));c.closest('[data-sx-late]').remove()}</script>";

/** Without scripts the deferred parts show where they arrive (after the page) and the fallbacks that can be hidden go. */
const NO_SCRIPT =
  "<noscript><style>div[data-sx-late]{display:block!important}table[data-sx-late]{display:table!important}" +
  "select[data-sx-late]{display:inline-block!important}sx-defer{display:none}</style></noscript>";

/**
 * A deferred part as sent: its content hidden, in what parses it as it will
 * stand in its placeholder (rows in a table's body, options in a select),
 * then the call that moves it there.
 */
function lateContent(id: number, html: string, within: Within, first: boolean): string {
  return `${first ? SWAP + NO_SCRIPT : ""}${hiddenWithin(within, `id="sx-c${id}"`, "data-sx-late", html)}<script>$sx(${id})</script>`;
}

/**
 * A deferred part's placeholder, around its fallback: an `sx-defer` element,
 * or within a table's parts or a select (where the parser would move or drop
 * it) an empty `template`, which may stand anywhere, and a comment after the fallback.
 */
export function placeholder(id: number, within: Within): [string, string] {
  return within === null ? [`<sx-defer id="sx-p${id}">`, "</sx-defer>"] : [`<template id="sx-p${id}"></template>`, `<!--/sx-p${id}-->`];
}

/** A placeholder with its fallback, in the page as sent (a fallback holds no placeholder of its own: see compileDefer). */
const PLACED = /<sx-defer id="sx-p(\d+)">[\s\S]*?<\/sx-defer>|<template id="sx-p(\d+)"><\/template>[\s\S]*?<!--\/sx-p\2-->/g;
