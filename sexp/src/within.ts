/**
 * Where markup is being written, where that limits what may go there: in a
 * table's parts and in a `select` the HTML parser moves or drops anything
 * but rows, cells and options. A streamed page writes what it makes up
 * itself (a deferred part's placeholder and content, a failed part's
 * notice) in a form that can stand there.
 */

/** What may be written here: `null` anywhere content flows (a body, a `div`, a table cell). */
export type Within = "table" | "tbody" | "tr" | "colgroup" | "select" | null;

const BY_TAG: ReadonlyMap<string, Within> = new Map<string, Within>([
  ["table", "table"],
  ["thead", "tbody"],
  ["tbody", "tbody"],
  ["tfoot", "tbody"],
  ["tr", "tr"],
  ["colgroup", "colgroup"],
  ["select", "select"],
  ["optgroup", "select"],
  ["datalist", "select"],
  // Content flows again inside these.
  ["td", null],
  ["th", null],
  ["caption", null],
  ["option", null],
]);

/** What an element's children are written within; undefined when it is whatever it is around the element. */
export function withinElement(tag: string): Within | undefined {
  return BY_TAG.get(tag);
}

/**
 * Markup that shows a notice (`html`, phrasing content) made fit to stand
 * `within`: a cell of its own in a row, a row in a table, the notice's text
 * as a disabled option in a select; nothing in a `colgroup`, where nothing shows.
 */
export function fitted(within: Within, html: string): string {
  switch (within) {
    case null:
      return html;
    case "tr":
      return `<td>${html}</td>`;
    case "tbody":
    case "table":
      return `<tr><td>${html}</td></tr>`;
    case "select":
      return `<option disabled>${html.replace(/<[^>]*>/g, "")}</option>`;
    case "colgroup":
      return "";
  }
}

/**
 * `html` hidden, in what parses it as it would be parsed `within` that
 * (rows in a table's body, cells in a row, options in a select): `id` on the
 * element whose children it is, `mark` on the outermost.
 */
export function hiddenWithin(within: Within, id: string, mark: string, html: string): string {
  switch (within) {
    case null:
      return `<div hidden ${id} ${mark}>${html}</div>`;
    case "table":
      return `<table hidden ${id} ${mark}>${html}</table>`;
    case "tbody":
      return `<table hidden ${mark}><tbody ${id}>${html}</tbody></table>`;
    case "tr":
      return `<table hidden ${mark}><tr ${id}>${html}</tr></table>`;
    case "colgroup":
      return `<table hidden ${mark}><colgroup ${id}>${html}</colgroup></table>`;
    case "select":
      return `<select hidden ${id} ${mark}>${html}</select>`;
  }
}
