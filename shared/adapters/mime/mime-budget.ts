/**
 * A bound on MIME structure, applied to the raw stream before mailparser sees it.
 *
 * mailparser (through mailsplit) aborts the whole message past 1,000 MIME nodes and emits no
 * text at all, so a mail with 20,000 parts or 1,000 nested multiparts used to become an empty
 * capture. This pass reads the boundaries each multipart declares and counts the part
 * delimiters; once the message has more parts or deeper nesting than the budget, it ends the
 * stream there, as if the message were truncated. mailparser then delivers everything read
 * up to that point (the body text usually comes first), and the cut is reported.
 */
import type { ChunkStage, Pass } from './guarded-transform.ts';

export interface MimeBudget {
  /** MIME parts read (every part delimiter counts); the message is cut before the next one. */
  maxParts: number;
  /** Multipart boundaries declared; the message is cut where a deeper one is declared. */
  maxMultipartDepth: number;
}

/** Bytes of a line kept to recognise boundary declarations and delimiters (RFC 2046: boundaries ≤ 70 chars). */
const LINE_PREFIX = 1024;
const DASH = 0x2d;
const BOUNDARY_PARAM = /boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;"]{1,200}))/i;

export class MimeBudgetScan implements ChunkStage {
  /** Why the rest of the message was not read, or null when it was read whole. */
  cut: 'parts' | 'depth' | null = null;
  /** Part delimiters seen. */
  parts = 0;
  /** Whether any part declares text/plain (mailparser otherwise derives text from HTML silently). */
  sawTextPlain = false;
  /**
   * An HTML body part that is not an alternative to a text part (e.g. text/plain and text/html
   * side by side in multipart/mixed): its content is missing from mailparser's text.
   */
  sawLooseHtml = false;
  readonly #budget: MimeBudget;
  /** Declared boundaries, with where their multipart sits. */
  readonly #boundaries = new Map<string, PartContext>();
  /** The boundary of the part being read; null for the top-level message. */
  #current: string | null = null;
  /** The header block being read: its content type, declared boundary, disposition. */
  #block: { type: string; boundary: string | null; attachment: boolean; attached: boolean } = newBlock(false);
  /** Start of the current line (up to LINE_PREFIX bytes), carried across chunks. */
  #line = '';
  /** In a header block (the message's, a part's, or an attached message's). */
  #inHeaders = true;
  /** The current header block declares message/rfc822: its body starts with more headers. */
  #nestedMessage = false;

  constructor(budget: MimeBudget) {
    this.#budget = budget;
  }

  read(chunk: Buffer, pass: Pass): void {
    const out = this.#read(chunk);
    if (out !== undefined) pass(out);
  }

  end(): void {}

  #read(chunk: Buffer): Buffer | undefined {
    if (this.cut) return undefined;
    if (this.#bodyWithoutParts()) return chunk;
    const text = chunk.toString('latin1');
    let start = 0;
    while (start < text.length) {
      if (!this.#inHeaders && this.#line === '' && text.charCodeAt(start) !== DASH) {
        // At the start of a body line that is no delimiter: only lines starting "--" count there.
        if (this.#bodyWithoutParts()) return chunk;
        const delimiter = text.indexOf('\n--', start);
        if (delimiter === -1) {
          // The rest holds no delimiter; the chunk's last line may go on in the next one.
          const last = text.lastIndexOf('\n') + 1;
          if (last > start) start = last;
          this.#line = text.slice(start, start + LINE_PREFIX);
          return chunk;
        }
        start = delimiter + 1;
        continue;
      }
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline;
      if (this.#line.length < LINE_PREFIX) {
        this.#line += text.slice(start, Math.min(end, start + LINE_PREFIX - this.#line.length));
      }
      if (newline === -1) break;
      const stop = this.#endLine();
      if (stop) {
        // Pass on what came before this line; the rest of the message is dropped.
        return chunk.subarray(0, start);
      }
      start = newline + 1;
    }
    return chunk;
  }

  /** In a body, with no multipart boundary declared: nothing further can count or cut. */
  #bodyWithoutParts(): boolean {
    return !this.#inHeaders && this.#line === '' && this.#boundaries.size === 0;
  }

  /** Examines one complete line; true when the message must be cut before it. */
  #endLine(): boolean {
    const line = this.#line;
    this.#line = '';
    if (line.startsWith('--') && this.#boundaries.size > 0) {
      const trimmed = line.slice(2).trimEnd();
      if (this.#boundaries.has(trimmed)) {
        this.parts++;
        if (this.parts > this.#budget.maxParts) {
          this.cut = 'parts';
          return true;
        }
        this.#inHeaders = true;
        this.#nestedMessage = false;
        this.#current = trimmed;
        this.#block = newBlock(this.#context().attached);
        return false;
      }
      // A close delimiter ends its multipart; what follows is an epilogue, not headers.
      if (trimmed.endsWith('--') && this.#boundaries.has(trimmed.slice(0, -2))) return false;
    }
    return this.#inHeaders ? this.#headerLine(line) : false;
  }

  #headerLine(line: string): boolean {
    if (line.trim() === '') {
      this.#endBlock();
      // An attached message's own header block follows its part headers.
      this.#inHeaders = this.#nestedMessage;
      if (this.#nestedMessage) this.#block = newBlock(true);
      this.#nestedMessage = false;
      return false;
    }
    const type = CONTENT_TYPE.exec(line)?.[1]?.toLowerCase();
    if (type) this.#block.type = type;
    if (type === 'message/rfc822') this.#nestedMessage = true;
    if (type === 'text/plain') this.sawTextPlain = true;
    if (/^content-disposition:\s*attachment/i.test(line)) this.#block.attachment = true;
    const declared = BOUNDARY_PARAM.exec(line);
    if (declared) {
      const boundary = (declared[1] ?? declared[2] ?? '').trim();
      if (boundary && !this.#boundaries.has(boundary)) {
        if (this.#boundaries.size >= this.#budget.maxMultipartDepth) {
          this.cut = 'depth';
          return true;
        }
        this.#block.boundary = boundary;
        this.#boundaries.set(boundary, { alternative: false, attached: this.#block.attached });
      }
    }
    return false;
  }

  /** Where the part being read sits: inside an alternative, inside an attached message. */
  #context(): PartContext {
    return (
      (this.#current ? this.#boundaries.get(this.#current) : undefined) ?? {
        alternative: false,
        attached: false,
      }
    );
  }

  #endBlock(): void {
    const block = this.#block;
    const context = this.#context();
    const alternative = !block.attached && context.alternative;
    if (block.boundary) {
      this.#boundaries.set(block.boundary, {
        alternative: alternative || block.type === 'multipart/alternative',
        attached: block.attached,
      });
    }
    if (block.type === 'text/html' && !block.attachment && !block.attached && !alternative) {
      this.sawLooseHtml = true;
    }
  }
}

interface PartContext {
  /** Inside a multipart/alternative (at any depth). */
  alternative: boolean;
  /** Inside an attached message/rfc822, whose bodies are not the message's own. */
  attached: boolean;
}

const CONTENT_TYPE = /^content-type:\s*([a-z0-9!#$&^_.+-]{1,100}\/[a-z0-9!#$&^_.+-]{1,100})/i;

function newBlock(attached: boolean) {
  return { type: 'text/plain', boundary: null as string | null, attachment: false, attached };
}
