// Turning what an expression returned into what a policy attribute needs (a string, a bool, an int), the way .NET's
// Convert/ToString would, and reporting the mismatch as a run-time failure of the policy.

import { csToString as toStr, isHostObject } from '../expressions/index';

export class ValueConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueConversionError';
  }
}

/** .NET ToString of a value (the expression runtime's own conversion): bools print "True"/"False", null as empty. */
export const csToString = (value: unknown): string => toStr(value);

export function csToBoolean(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  throw new ValueConversionError(`${what} must be a boolean, got ${describe(value)}`);
}

export function csToInteger(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  throw new ValueConversionError(`${what} must be an integer, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (isHostObject(value)) return value.typeName;
  return String(value);
}
