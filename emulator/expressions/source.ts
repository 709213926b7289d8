// Maps offsets in an expression's text to file:line:column in the policy file. `where` is the position of the
// text's first character; later lines start at column 1. "\r\n" counts as one line break.
import type { SourceLocation } from './errors';

export class SourceText {
  private lineStarts: number[] | undefined;
  constructor(
    readonly text: string,
    readonly where: SourceLocation,
  ) {}

  locate(offset: number): SourceLocation {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const col = offset - starts[lo]!;
    return lo === 0
      ? { file: this.where.file, line: this.where.line, column: this.where.column + col }
      : { file: this.where.file, line: this.where.line + lo, column: 1 + col };
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}
