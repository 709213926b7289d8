// APIM policy documents are not quite XML: the docs' own samples put C# string literals with raw double quotes inside
// double-quoted attributes (condition="@(... != "desired-thumbprint")") and raw `<`, `>`, `&&` inside expressions.
// APIM accepts them, so we do too: before the XML parser sees the text, every `@(...)` / `@{...}` that starts an
// attribute value or an element's text is found by bracket matching (C# strings, chars and comments skipped) and
// the characters XML would choke on are escaped. The scan also records where each start tag, attribute value and
// text begins in the ORIGINAL text, so errors point at the user's file, not at our escaped copy.

export interface TagPosition {
  readonly name: string;
  /** Offset of '<' in the original text. */
  readonly start: number;
  /** Attribute name → offset of the value's first character (after the quote) in the original text. */
  readonly attributes: ReadonlyMap<string, number>;
  /** Offset just after the start tag's '>' in the original text (end of the tag for empty elements). */
  readonly contentStart: number;
  /** Offset of the first non-blank character of the element's own text (not its children's), if any. */
  readonly firstText?: number;
}

export interface PreparedXml {
  readonly original: string;
  readonly escaped: string;
  /** Start tags in document order (what a pre-order walk of the parsed tree visits). */
  readonly tags: readonly TagPosition[];
  /** Maps an offset in `escaped` back to the original text. */
  toOriginal(escapedOffset: number): number;
  /** 1-based line and column of an offset in the original text. */
  lineColumn(offset: number): { line: number; column: number };
}

const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
const NAME_CHAR = /[^\s=/>]/;

/** Index just past the expression that starts at `at` ('@' followed by '(' or '{'), or -1 when it never closes. */
export function scanExpression(text: string, at: number): number {
  const closer = text[at + 1] === '(' ? ')' : '}';
  const stack: string[] = [];
  let i = at + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const verbatim = text[i - 1] === '@' || (text[i - 1] === '$' && text[i - 2] === '@') || (text[i - 1] === '@' && text[i - 2] === '$');
      i++;
      while (i < text.length) {
        if (verbatim) {
          if (text[i] === '"') {
            if (text[i + 1] === '"') { i += 2; continue; }
            break;
          }
        } else {
          if (text[i] === '\\') { i += 2; continue; }
          if (text[i] === '"' || text[i] === '\n') break;
        }
        i++;
      }
      i++;
      continue;
    }
    if (c === "'") {
      // A C# char literal is at most a few characters ('a', '\n', '\u0041'); anything else is not one.
      const m = /^'(?:\\u[0-9a-fA-F]{4}|\\.|[^'\\\n])'/.exec(text.slice(i, i + 8));
      i += m ? m[0].length : 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') stack.push(c === '(' ? ')' : c === '{' ? '}' : ']');
    else if (c === ')' || c === '}' || c === ']') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return c === closer ? i + 1 : -1;
    }
    i++;
  }
  return -1;
}

export function prepareXml(original: string): PreparedXml {
  const out: string[] = [];
  // Each replacement: where it starts in the escaped text, how long it is there, and the original offset.
  const repEsc: number[] = [];
  const repLen: number[] = [];
  const repOrig: number[] = [];
  let escLen = 0;
  const emit = (s: string) => {
    out.push(s);
    escLen += s.length;
  };
  const tags: { -readonly [K in keyof TagPosition]: TagPosition[K] }[] = [];
  const open: number[] = []; // indexes into `tags` of the elements not yet closed
  const noteText = (at: number) => {
    const top = open[open.length - 1];
    if (top !== undefined && tags[top]!.firstText === undefined) tags[top]!.firstText = at;
  };

  const copyUntil = (from: number, marker: string): number => {
    const end = original.indexOf(marker, from);
    const stop = end < 0 ? original.length : end + marker.length;
    emit(original.slice(from, stop));
    return stop;
  };

  /** Copies the expression at `at` with XML-special characters escaped; returns the index after it (or -1). */
  const copyExpression = (at: number, quote: '"' | "'" | null): number => {
    const end = scanExpression(original, at);
    if (end < 0) return -1;
    let runStart = at;
    for (let i = at; i < end; i++) {
      const c = original[i]!;
      let rep: string | null = null;
      if (c === '<') rep = '&lt;';
      else if (c === '>') rep = '&gt;';
      else if (c === '&' && !ENTITY.test(original.slice(i, i + 12))) rep = '&amp;';
      else if (c === quote) rep = quote === '"' ? '&quot;' : '&apos;';
      if (rep === null) continue;
      emit(original.slice(runStart, i));
      repEsc.push(escLen);
      repLen.push(rep.length);
      repOrig.push(i);
      emit(rep);
      runStart = i + 1;
    }
    emit(original.slice(runStart, end));
    return end;
  };

  let i = 0;
  let textStart = true; // only white space since the last tag: an expression here is the element's value
  while (i < original.length) {
    const c = original[i]!;
    if (c === '<') {
      textStart = true;
      if (original.startsWith('<!--', i)) { i = copyUntil(i, '-->'); continue; }
      if (original.startsWith('<![CDATA[', i)) { noteText(i); i = copyUntil(i, ']]>'); textStart = false; continue; }
      if (original.startsWith('<?', i)) { i = copyUntil(i, '?>'); continue; }
      if (original.startsWith('</', i)) { open.pop(); i = copyUntil(i, '>'); continue; }
      if (original.startsWith('<!', i)) { i = copyUntil(i, '>'); continue; }
      // A start tag.
      const start = i;
      let j = i + 1;
      while (j < original.length && NAME_CHAR.test(original[j]!)) j++;
      const name = original.slice(i + 1, j);
      emit(original.slice(i, j));
      i = j;
      const attributes = new Map<string, number>();
      let selfClosing = false;
      for (;;) {
        while (i < original.length && /\s/.test(original[i]!)) emit(original[i++]!);
        if (i >= original.length) break;
        if (original[i] === '>') { emit('>'); i++; break; }
        if (original.startsWith('/>', i)) { emit('/>'); i += 2; selfClosing = true; break; }
        let k = i;
        while (k < original.length && NAME_CHAR.test(original[k]!)) k++;
        if (k === i) { emit(original[i]!); i++; continue; } // stray character: leave it for the validator
        const attr = original.slice(i, k);
        emit(original.slice(i, k));
        i = k;
        while (i < original.length && /\s/.test(original[i]!)) emit(original[i++]!);
        if (original[i] !== '=') continue;
        emit('=');
        i++;
        while (i < original.length && /\s/.test(original[i]!)) emit(original[i++]!);
        const q = original[i];
        if (q !== '"' && q !== "'") continue;
        emit(q);
        i++;
        attributes.set(attr, i);
        if (original[i] === '@' && (original[i + 1] === '(' || original[i + 1] === '{')) {
          const end = copyExpression(i, q);
          if (end >= 0) i = end;
        }
        const close = original.indexOf(q, i);
        const stop = close < 0 ? original.length : close + 1;
        emit(original.slice(i, stop));
        i = stop;
      }
      tags.push({ name, start, attributes, contentStart: i });
      if (!selfClosing) open.push(tags.length - 1);
      continue;
    }
    if (!/\s/.test(c)) noteText(i);
    if (textStart && c === '@' && (original[i + 1] === '(' || original[i + 1] === '{')) {
      const end = copyExpression(i, null);
      textStart = false;
      if (end >= 0) { i = end; continue; }
    }
    if (!/\s/.test(c)) textStart = false;
    emit(c);
    i++;
  }

  const escaped = out.join('');
  const toOriginal = (e: number): number => {
    let lo = 0;
    let hi = repEsc.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (repEsc[mid]! <= e) { k = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (k < 0) return e;
    if (e < repEsc[k]! + repLen[k]!) return repOrig[k]!;
    return repOrig[k]! + 1 + (e - repEsc[k]! - repLen[k]!);
  };

  const lineStarts = [0];
  for (let p = 0; p < original.length; p++) if (original[p] === '\n') lineStarts.push(p + 1);
  const lineColumn = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };

  return { original, escaped, tags, toOriginal, lineColumn };
}
