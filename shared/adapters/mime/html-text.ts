/**
 * HTML → text that keeps what a reader sees (rows on their own lines, cells separated, block
 * elements on their own lines, list items marked, link text kept), with bounded work.
 *
 * html-to-text walks the DOM recursively and its cost grows much faster than the input on deeply
 * nested markup, so a cheap linear pass runs first: it drops comments, scripts and styles, and
 * keeps only the tags within the depth and element budgets (their text is kept). What it drops
 * is reported so the capture can say it was cut short.
 */
import { compile, type FormatCallback, type SelectorDefinition } from 'html-to-text';
import { tableOf } from '../../domain/lookup-table.ts';

export interface HtmlBudget {
  /** HTML characters read at most; the rest is not converted. */
  maxChars: number;
  /** Element nesting kept; tags deeper than this are dropped, their text kept. */
  maxDepth: number;
  /** Elements kept; tags after this many are dropped, their text kept. */
  maxElements: number;
}

export interface HtmlText {
  text: string;
  /** The HTML as converted: cut to `maxChars` and bounded in depth and elements. */
  boundedHtml: string;
  /** The HTML was longer than `maxChars`. */
  truncated: boolean;
  /** Nesting deeper than `maxDepth` was flattened. */
  flattenedDepth: boolean;
  /** More elements than `maxElements`: later tags were dropped. */
  droppedElements: boolean;
}

/** Elements that never have content, so they never open a nesting level. */
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/**
 * Elements whose content is never shown, skipped up to their closing tag (an unclosed one hides
 * the rest, as in a browser). Not `head`: mail often leaves it unclosed before the body.
 */
const SKIPPED_CONTENT = new Set(['script', 'style', 'title', 'template']);
/** Names every plain object answers to, lower-cased as tag names are. */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype).map((n) => n.toLowerCase()));
const INHERITED_TAG = new RegExp(`</?(?:${[...INHERITED_NAMES].join('|')})(?=[\\s/>])[^>]*>?`, 'gi');

/** The HTML without tags named like inherited properties (see boundHtml), for callers that skip it. */
export function withoutInheritedTags(html: string): string {
  return html.replace(INHERITED_TAG, '');
}
/** An opening tag of the key implicitly closes an open tag in the set (as browsers do). */
const IMPLIED_CLOSE: ReadonlyMap<string, Set<string>> = tableOf({
  p: new Set(['p']),
  li: new Set(['li']),
  dt: new Set(['dt', 'dd']),
  dd: new Set(['dt', 'dd']),
  option: new Set(['option']),
  td: new Set(['td', 'th']),
  th: new Set(['td', 'th']),
  tr: new Set(['td', 'th', 'tr']),
});

interface Open {
  name: string;
  kept: boolean;
}

/** The elements kept so far, within the budget: what is open, and the HTML written. */
class BoundedTree {
  readonly out: string[] = [];
  readonly #stack: Open[] = [];
  readonly #openCount = new Map<string, number>();
  readonly #budget: HtmlBudget;
  #kept = 0;
  #keptDepth = 0;
  flattenedDepth = false;
  droppedElements = false;

  constructor(budget: HtmlBudget) {
    this.#budget = budget;
  }

  /** An opening tag: kept while the depth and element budgets allow, else its text alone stays. */
  open(name: string, tag: string): void {
    const keep = this.#keptDepth < this.#budget.maxDepth && this.#kept < this.#budget.maxElements;
    if (!keep) {
      if (this.#keptDepth >= this.#budget.maxDepth) this.flattenedDepth = true;
      else this.droppedElements = true;
    } else {
      this.out.push(tag);
      this.#kept++;
      this.#keptDepth++;
    }
    this.#stack.push({ name, kept: keep });
    this.#openCount.set(name, (this.#openCount.get(name) ?? 0) + 1);
  }

  /** A void or self-closing element: kept while the element budget allows. */
  empty(tag: string): void {
    if (this.#kept < this.#budget.maxElements) {
      this.out.push(tag);
      this.#kept++;
    } else this.droppedElements = true;
  }

  /** A closing tag: closes the innermost open element of that name and those inside it; ignored when none is open. */
  close(name: string): void {
    if ((this.#openCount.get(name) ?? 0) === 0) return;
    while (this.#stack.length > 0 && this.#stack[this.#stack.length - 1]?.name !== name) this.#pop();
    this.#pop();
  }

  /** Closes the open elements a new `name` element ends without saying so (a <p> ends an open <p>). */
  closeImplied(name: string): void {
    const implied = IMPLIED_CLOSE.get(name);
    if (!implied) return;
    while (this.#stack.length > 0 && implied.has(this.#stack[this.#stack.length - 1]?.name ?? ''))
      this.#pop();
  }

  finish(): { html: string; flattenedDepth: boolean; droppedElements: boolean } {
    while (this.#stack.length > 0) this.#pop();
    return {
      html: this.out.join(''),
      flattenedDepth: this.flattenedDepth,
      droppedElements: this.droppedElements,
    };
  }

  #pop(): void {
    const top = this.#stack.pop();
    if (!top) return;
    this.#openCount.set(top.name, (this.#openCount.get(top.name) ?? 1) - 1);
    if (top.kept) {
      this.out.push(`</${top.name}>`);
      this.#keptDepth--;
    }
  }
}

/** Where the raw content of a <script>-like element opened before `from` ends (past its closing tag); the end of the text when it is not closed. */
function afterRawContent(html: string, name: string, from: number): number {
  const closer = new RegExp(`</${name}`, 'gi');
  closer.lastIndex = from;
  const close = closer.exec(html)?.index ?? -1;
  const end = close === -1 ? -1 : html.indexOf('>', close);
  return end === -1 ? html.length : end + 1;
}

/**
 * One linear pass over the HTML: keeps text and the tags within budget. Returns HTML whose
 * nesting html-to-text can walk in bounded time.
 */
export function boundHtml(
  html: string,
  budget: HtmlBudget,
): { html: string; flattenedDepth: boolean; droppedElements: boolean } {
  const tree = new BoundedTree(budget);
  const { out } = tree;
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      out.push(html.slice(i));
      break;
    }
    if (lt > i) out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? n : end + 3;
      continue;
    }
    const tag = readTag(html, lt);
    if (!tag) {
      // A lone '<' is text.
      out.push('&lt;');
      i = lt + 1;
      continue;
    }
    i = tag.end;
    if (tag.kind === 'unterminated') {
      // No '>' or closing quote anywhere after it: the rest cannot hold another tag.
      out.push(escapeText(html.slice(lt)));
      break;
    }
    // html-to-text's selector tables are plain objects: an element named like an inherited
    // property (<constructor>) makes it throw. Such tags go; their text stays.
    if (tag.kind === 'other' || INHERITED_NAMES.has(tag.name)) continue;
    if (tag.kind === 'close') tree.close(tag.name);
    // Raw text up to the closing tag is never shown; an unclosed one hides the rest.
    else if (SKIPPED_CONTENT.has(tag.name)) i = afterRawContent(html, tag.name, i);
    else {
      tree.closeImplied(tag.name);
      if (VOID.has(tag.name) || tag.selfClosing) tree.empty(tag.text);
      else tree.open(tag.name, tag.text);
    }
  }
  return tree.finish();
}

type Tag =
  | { kind: 'open'; name: string; text: string; selfClosing: boolean; end: number }
  | { kind: 'close'; name: string; end: number }
  | { kind: 'other'; end: number }
  | { kind: 'unterminated'; end: number };

/** A tag name's characters: letters, digits, ':' and '-' (codes, no pattern per character). */
function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** What ends a tag, or opens a quoted attribute value that may hold a '>'. */
const TAG_STOP = /[>"']/g;

/** Reads the tag starting at `lt` (quoted attribute values may hold '>'); null when it is not a tag. */
function readTag(html: string, lt: number): Tag | null {
  const next = html[lt + 1];
  if (next === '!' || next === '?') {
    const end = html.indexOf('>', lt);
    return { kind: 'other', end: end === -1 ? html.length : end + 1 };
  }
  const closing = next === '/';
  let j = lt + (closing ? 2 : 1);
  const nameStart = j;
  while (j < html.length && isNameChar(html.charCodeAt(j))) j++;
  if (j === nameStart || !isLetter(html.charCodeAt(nameStart))) return null;
  const name = html.slice(nameStart, j).toLowerCase();
  let end = -1;
  for (;;) {
    TAG_STOP.lastIndex = j;
    const stop = TAG_STOP.exec(html);
    if (!stop) break;
    if (stop[0] === '>') {
      end = stop.index;
      break;
    }
    const close = html.indexOf(stop[0], stop.index + 1);
    if (close === -1) return { kind: 'unterminated', end: html.length };
    j = close + 1;
  }
  if (end === -1) return { kind: 'unterminated', end: html.length };
  if (closing) return { kind: 'close', name, end: end + 1 };
  return {
    kind: 'open',
    name,
    text: html.slice(lt, end + 1),
    selfClosing: html[end - 1] === '/',
    end: end + 1,
  };
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

interface Sibling {
  type: string;
  prev: Sibling | null;
}

/** A table cell: separated from the cell before it in the same row by " | ". */
const formatCell: FormatCallback = (elem, walk, builder) => {
  // domhandler nodes link their siblings; html-to-text's DomNode type leaves that out.
  let previous = (elem as unknown as Sibling).prev;
  while (previous && previous.type !== 'tag') previous = previous.prev;
  if (previous) builder.addLiteral(' | ');
  walk(elem.children, builder);
};

const SELECTORS: SelectorDefinition[] = [
  { selector: 'img', format: 'skip' },
  { selector: 'a', options: { ignoreHref: true } },
  { selector: 'table', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
  { selector: 'tr', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
  { selector: 'td', format: 'tableCell' },
  { selector: 'th', format: 'tableCell' },
  { selector: 'li', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
  { selector: 'ul', options: { itemPrefix: '- ' } },
  // Keep headings as written: org order patterns may be case-sensitive.
  ...(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const).map((h) => ({
    selector: h,
    options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1 },
  })),
];

// Compiled once: html-to-text builds its selector tree on every convert() call otherwise.
let convertBody: ((html: string) => string) | null = null;

/** Converts HTML to the text a reader sees, within the budget. */
export function htmlToText(html: string, budget: HtmlBudget): HtmlText {
  const truncated = html.length > budget.maxChars;
  const bounded = boundHtml(truncated ? html.slice(0, budget.maxChars) : html, budget);
  convertBody ??= compile({ wordwrap: false, formatters: { tableCell: formatCell }, selectors: SELECTORS });
  const text = convertBody(bounded.html);
  return {
    text,
    boundedHtml: bounded.html,
    truncated,
    flattenedDepth: bounded.flattenedDepth,
    droppedElements: bounded.droppedElements,
  };
}
