// Errors of the expression language. Syntax (and other load-time) errors name file:line:column of the offending
// token; run-time errors carry APIM's LastError.Reason for a failed expression and the .NET exception it mirrors.

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export class ExpressionSyntaxError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly expected: string;
  readonly found: string;
  constructor(where: SourceLocation, expected: string, found: string) {
    super(`${where.file}:${where.line}:${where.column}: expected ${expected}, found ${found}`);
    this.name = 'ExpressionSyntaxError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.expected = expected;
    this.found = found;
  }
}

/** A failed evaluation. `message` reads as APIM's LastError.Message ("Expression evaluation failed. …"). */
export class ExpressionRuntimeError extends Error {
  readonly reason = 'ExpressionValueEvaluationFailure' as const;
  /** The .NET exception the failure mirrors, e.g. "NullReferenceException". */
  readonly exceptionType: string;
  /** The .NET exception message alone. */
  readonly detail: string;
  /** Where in the policy file the failing operation is, when known. */
  readonly location: SourceLocation | undefined;
  constructor(exceptionType: string, detail: string, location?: SourceLocation, options?: { cause?: unknown }) {
    super(`Expression evaluation failed. ${detail}`, options);
    this.name = 'ExpressionRuntimeError';
    this.exceptionType = exceptionType;
    this.detail = detail;
    this.location = location;
  }
  /** "file:line:col: NullReferenceException: …" for logs and timelines. */
  describe(): string {
    const at = this.location ? `${this.location.file}:${this.location.line}:${this.location.column}: ` : '';
    return `${at}${this.exceptionType}: ${this.detail}`;
  }
}

/**
 * Thrown inside the runtime library (cheap to construct: no location lookup); evaluate() turns it into an
 * ExpressionRuntimeError located at the operation that was running.
 */
export class CsException extends Error {
  constructor(
    readonly exceptionType: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'CsException';
  }
}

export const nullReference = (): CsException =>
  new CsException('NullReferenceException', 'Object reference not set to an instance of an object.');

export const invalidCast = (from: string, to: string): CsException =>
  new CsException('InvalidCastException', `Unable to cast object of type '${from}' to type '${to}'.`);

export const noSuchMember = (typeName: string, member: string): CsException =>
  new CsException('RuntimeBinderException', `'${typeName}' does not contain a definition for '${member}'`);

export const argumentError = (detail: string): CsException => new CsException('ArgumentException', detail);

export const invalidOperation = (detail: string): CsException => new CsException('InvalidOperationException', detail);

export const formatError = (detail: string): CsException => new CsException('FormatException', detail);
