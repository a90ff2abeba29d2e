/**
 * Escaping of untrusted text (server data) before it reaches a terminal or a log line.
 */

/**
 * True for every character that can move the cursor, end a line, or change how a terminal renders text: C0
 * and C1 controls (newline, carriage return, tab and escape included), DEL, the Unicode line and paragraph
 * separators and the bidirectional marks, overrides and isolates.
 */
export function isControlCode(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** True when `text` contains a character that {@link escapeControl} would escape. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControlCode(text.charCodeAt(i))) return true;
  return false;
}

/** The visible escape of one control character: `\n`, `\r`, `\t`, else `\uXXXX`. */
export function escapeControlChar(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/**
 * Replaces every control character (see {@link isControlCode}) with a visible escape: `\n`, `\r`, `\t`, else
 * `\uXXXX` (the spellings JSON uses), so one value prints as one line and cannot drive the terminal.
 */
export function escapeControl(text: string): string {
  if (!hasControl(text)) return text;
  let out = '';
  for (const c of text) out += c.length === 1 && isControlCode(c.charCodeAt(0)) ? escapeControlChar(c) : c;
  return out;
}
