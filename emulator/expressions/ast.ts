// Syntax tree of the expression language. Every node keeps the offset of its first token (for error locations)
// and its depth (the parser refuses trees deeper than the cap, so compiling and evaluating never overflow the stack).

export interface TypeRef {
  /** Dotted name as written, e.g. "string", "System.String", "IEnumerable". */
  readonly name: string;
  readonly args: readonly TypeRef[];
  /** Number of [] suffixes. */
  readonly rank: number;
  readonly nullable: boolean;
  readonly pos: number;
}

export type LiteralType = 'string' | 'char' | 'int' | 'long' | 'double' | 'bool' | 'null';

interface Base {
  readonly pos: number;
  readonly depth: number;
}

export type Expr =
  | (Base & { kind: 'literal'; type: LiteralType; value: string | number | boolean | null })
  | (Base & { kind: 'interp'; parts: readonly (string | { expr: Expr; format?: string })[] })
  | (Base & { kind: 'name'; name: string })
  | (Base & { kind: 'member'; target: Expr; name: string; namePos: number })
  | (Base & { kind: 'call'; target: Expr | null; name: string; namePos: number; typeArgs: readonly TypeRef[]; args: readonly Expr[] })
  | (Base & { kind: 'index'; target: Expr; args: readonly Expr[] })
  | (Base & { kind: 'unary'; op: '!' | '-' | '+' | '~'; operand: Expr })
  | (Base & { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr })
  | (Base & { kind: 'conditional'; cond: Expr; then: Expr; else: Expr })
  | (Base & { kind: 'cast'; type: TypeRef; operand: Expr })
  | (Base & { kind: 'is'; operand: Expr; type: TypeRef | null; negated: boolean })
  | (Base & { kind: 'as'; operand: Expr; type: TypeRef })
  | (Base & { kind: 'lambda'; params: readonly { name: string; pos: number }[]; body: Expr | BlockStmt })
  /** `target?.rest`: evaluates target once; null short-circuits the whole chain `rest` (which reads it via condTarget). */
  | (Base & { kind: 'condAccess'; target: Expr; chain: Expr })
  | (Base & { kind: 'condTarget' })
  | (Base & { kind: 'assign'; op: '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '??='; target: Expr; value: Expr })
  | (Base & { kind: 'incdec'; op: '++' | '--'; prefix: boolean; target: Expr })
  | (Base & { kind: 'array'; elementType: TypeRef | null; elements: readonly Expr[] })
  /** `new T(args)`: only for the allow-listed constructible types the host supplies (checked at compile time). */
  | (Base & { kind: 'new'; type: TypeRef; args: readonly Expr[] });

export type BinaryOp =
  | '*' | '/' | '%' | '+' | '-' | '<' | '>' | '<=' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||' | '??';

export interface BlockStmt extends Base {
  kind: 'block';
  body: readonly Stmt[];
}

export type Stmt =
  | BlockStmt
  | (Base & { kind: 'decl'; type: TypeRef | null; vars: readonly { name: string; pos: number; init: Expr | null }[] })
  | (Base & { kind: 'if'; cond: Expr; then: Stmt; else: Stmt | null })
  | (Base & { kind: 'return'; value: Expr | null })
  | (Base & { kind: 'foreach'; type: TypeRef | null; name: string; namePos: number; collection: Expr; body: Stmt })
  | (Base & { kind: 'expr'; expr: Expr })
  | (Base & { kind: 'empty' });

/** What an `@(...)` or `@{...}` parses to. */
export type Program = { kind: 'expression'; expr: Expr } | { kind: 'block'; block: BlockStmt };

export const PREDEFINED_TYPES = new Set([
  'string', 'int', 'long', 'double', 'float', 'decimal', 'bool', 'char', 'object', 'byte', 'uint', 'ulong',
  'short', 'ushort', 'sbyte',
]);
