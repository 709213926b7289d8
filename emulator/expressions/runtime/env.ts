// Per-evaluation state shared by the compiled closures and the runtime library: the host context, local slots,
// the remaining step budget, the position of the running operation (for error locations) and the clock.
import { CsException } from '../errors';

export interface Env {
  context: unknown;
  locals: unknown[];
  /** Steps left; every loop iteration, LINQ element and lambda call costs one. */
  steps: number;
  budget: number;
  /** Offset (in the expression text) of the operation running now. */
  at: number;
  /** Value of the last `return` executed. */
  ret: unknown;
  /** Current time, epoch milliseconds. */
  now: () => number;
  /** Test-only fault (emulator/faults.ts): == / != against a .Thumbprint ignore case. */
  thumbprintIgnoreCase?: boolean;
}

/** A compiled lambda, passed to LINQ methods. Calls cost a step each. */
export interface Lambda {
  readonly arity: number;
  call(env: Env, a: unknown, b?: unknown): unknown;
}

export class LambdaValue implements Lambda {
  constructor(
    readonly arity: number,
    private readonly slots: readonly number[],
    private readonly body: (env: Env) => unknown,
  ) {}
  call(env: Env, a: unknown, b?: unknown): unknown {
    if (--env.steps < 0) throw budgetExceeded(env);
    const s = this.slots;
    if (s.length > 0) env.locals[s[0]!] = a;
    if (s.length > 1) env.locals[s[1]!] = b;
    return this.body(env);
  }
}

export const isLambda = (v: unknown): v is LambdaValue => v instanceof LambdaValue;

export function budgetExceeded(env: Env): CsException {
  return new CsException('ExpressionBudgetExceeded', `The expression exceeded its budget of ${env.budget} steps.`);
}

/** Charges one step. */
export function step(env: Env): void {
  if (--env.steps < 0) throw budgetExceeded(env);
}

let clockNow: () => number = Date.now;

/** Replaces the clock used by DateTime.Now/UtcNow (tests). Pass nothing to restore the real clock. */
export function setClock(now?: () => number): void {
  clockNow = now ?? Date.now;
}

export const currentClock = (): (() => number) => clockNow;

/** Longest string an expression may build (UTF-16 code units). */
export let maxStringLength = 1 << 20;

export function setMaxStringLength(n: number): void {
  maxStringLength = n;
}

export function checkLength(s: string): string {
  if (s.length > maxStringLength) {
    throw new CsException('OutOfMemoryException', `The expression built a string longer than ${maxStringLength} characters.`);
  }
  return s;
}
