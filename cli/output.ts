/**
 * What the CLI prints may hold text from mail (subjects, addresses, warnings) or from an org: it
 * reaches a terminal, which obeys escape sequences (recolour, retitle, rewrite the screen, links)
 * and reorders text at bidi overrides. Every line goes out through these.
 */
import { inert } from '#shared/domain/sync/sanitize.ts';

/** Characters JSON.stringify leaves as they are that a terminal acts on: DEL, C1, line separators, bidi. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with those characters written as \u escapes: the same value, inert on a screen. */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One line for a person: escape sequences, control and bidi characters out (tabs become spaces). */
export function safeLine(text: string): string {
  return inert(text);
}

/** Writes lines, each made safe, to stdout. */
export function printLines(...lines: string[]): void {
  process.stdout.write(`${lines.map(safeLine).join('\n')}\n`);
}
