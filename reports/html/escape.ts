// Escaping for the HTML page. Scenario strings are untrusted (they carry what a gateway sent), so every string
// reaches the page through one of these three functions and nowhere else.
import { oneLine } from '../format';

/** Text content (also inside inline SVG, which the HTML parser reads). Control characters become spaces. */
export function htmlText(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A double-quoted attribute value, one line. */
export function htmlAttr(s: string): string {
  return htmlText(oneLine(s)).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * JSON for a <script type="application/json"> block. `<` `>` `&` become \u escapes so no "</script>" or "<!--"
 * can end or confuse the block; U+2028/2029 are escaped for old JS parsers that treat them as newlines.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
