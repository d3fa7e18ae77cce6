/**
 * Cutting text to a field's length. Salesforce counts a text field's length in UTF-16 code units
 * (as JavaScript's String#length does); a cut between the two halves of a surrogate pair would
 * leave a lone surrogate, which is not text (and JSON-encodes as an escape). These cuts never do.
 */

/** The longest start of `text` within `max` code units that does not end inside a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const last = text.charCodeAt(max - 1);
  // A high surrogate whose low half would be cut off goes too.
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** `text` within `max` code units; when it must be cut, it ends with `marker` (counted in `max`). */
export function cutWithMarker(text: string, max: number, marker: string): string {
  return text.length <= max ? text : cutText(text, max - marker.length) + marker;
}
