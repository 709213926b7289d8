// Public API of the policy expression language: compile `@(…)` / `@{…}` once, evaluate per request.
import { readsClientCertificate } from './analysis';
import { Compiler, type Fn, type HostConstructor } from './compile';
import { CsException, ExpressionRuntimeError, type SourceLocation } from './errors';
import type { HostObject } from './host';
import { parseProgram } from './parser';
import { currentClock, type Env } from './runtime/env';
import { SourceText } from './source';

export { CsException, ExpressionRuntimeError, ExpressionSyntaxError, type SourceLocation } from './errors';
export type { HostConstructor } from './compile';
export { CsDictionary, CsKeyValuePair, type CsDictionaryOptions } from './runtime/dictionary';
export { CsDateTime, CsTimeSpan, type DateTimeKind } from './runtime/datetime';
export { CsEnumValue, enumValue } from './runtime/enums';
export { setClock, setMaxStringLength } from './runtime/env';
export { toStr as csToString } from './runtime/convert';
export * from './host';

export const DEFAULT_STEP_BUDGET = 100_000;

export interface CompileOptions {
  /** Deepest nesting accepted at parse time (default 200). */
  readonly maxDepth?: number;
  /** Steps per evaluation (loop iterations, LINQ elements, lambda calls); default 100,000. */
  readonly stepBudget?: number;
  /** Types `new T(args)` may construct (the allow-list; default none). */
  readonly constructors?: readonly HostConstructor[];
}

export interface EvaluationScope {
  readonly context: HostObject;
  /** Overrides the compiled step budget for this evaluation. */
  readonly stepBudget?: number;
  /** Clock for DateTime.Now/UtcNow (epoch ms); default the module clock (see setClock). */
  readonly now?: () => number;
  /** Test-only fault (emulator/faults.ts): == / != against a .Thumbprint ignore case. Default false. */
  readonly thumbprintIgnoreCase?: boolean;
}

export interface CompiledExpression {
  readonly source: string;
  /** Statically: the expression reads context.Request.Certificate somewhere. */
  readonly readsClientCertificate: boolean;
  evaluate(scope: EvaluationScope): unknown;
}

/** Trimmed text starts with "@(" or "@{". */
export function isExpression(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('@(') || t.startsWith('@{');
}

/** Parses and compiles; throws ExpressionSyntaxError (with the policy file's line and column) when it cannot. */
export function compileExpression(text: string, where: SourceLocation, options: CompileOptions = {}): CompiledExpression {
  const src = new SourceText(text, where);
  const program = parseProgram(src, { maxDepth: options.maxDepth });
  const compiler = new Compiler(src, options.constructors);
  const fn = compiler.program(program);
  return new Expression(text, src, fn, compiler.slotCount, readsClientCertificate(program), options.stepBudget ?? DEFAULT_STEP_BUDGET);
}

class Expression implements CompiledExpression {
  /** One Env reused across evaluations (none run concurrently: evaluation is synchronous); null while in use. */
  private spare: Env | null;

  constructor(
    readonly source: string,
    private readonly src: SourceText,
    private readonly fn: Fn,
    private readonly slots: number,
    readonly readsClientCertificate: boolean,
    private readonly budget: number,
  ) {
    this.spare = this.newEnv();
  }

  private newEnv(): Env {
    return { context: null, locals: new Array<unknown>(this.slots).fill(null), steps: 0, budget: 0, at: 0, ret: null, now: Date.now };
  }

  evaluate(scope: EvaluationScope): unknown {
    let env = this.spare;
    if (env === null) env = this.newEnv();
    else this.spare = null;
    const budget = scope.stepBudget ?? this.budget;
    env.context = scope.context;
    env.steps = budget;
    env.budget = budget;
    env.at = 0;
    env.now = scope.now ?? currentClock();
    env.thumbprintIgnoreCase = scope.thumbprintIgnoreCase === true;
    try {
      const r = this.fn(env);
      return r === undefined ? null : r;
    } catch (e) {
      throw this.runtimeError(e, env.at);
    } finally {
      env.context = null;
      env.ret = null;
      this.spare = env;
    }
  }

  private runtimeError(e: unknown, at: number): ExpressionRuntimeError {
    if (e instanceof ExpressionRuntimeError) return e;
    const where = this.src.locate(at);
    if (e instanceof CsException) return new ExpressionRuntimeError(e.exceptionType, e.message, where);
    if (e instanceof RangeError) return new ExpressionRuntimeError('InsufficientExecutionStackException', 'Insufficient stack to continue executing the program safely.', where, { cause: e });
    // A host object threw: the policy sees an exception from inside the call.
    const msg = e instanceof Error ? e.message : String(e);
    return new ExpressionRuntimeError('Exception', msg, where, { cause: e });
  }
}
