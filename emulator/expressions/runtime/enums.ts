// .NET enum values the expressions use (StringComparison, StringSplitOptions, ...). Each value is a singleton,
// so equality is identity; ToString gives the member name as .NET does.
import { HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from '../host';

export class CsEnumValue implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  constructor(
    readonly typeName: string,
    readonly name: string,
    readonly value: number,
  ) {}
  getMember(): unknown {
    return NO_SUCH_MEMBER;
  }
  invoke(name: string, args: readonly unknown[]): unknown {
    if (name === 'ToString' && args.length === 0) return this.name;
    if (name === 'Equals' && args.length === 1) return args[0] === this;
    if (name === 'HasFlag' && args.length === 1 && args[0] instanceof CsEnumValue) {
      return (this.value & args[0].value) === args[0].value;
    }
    return NO_SUCH_MEMBER;
  }
}

function enumType(typeName: string, names: readonly string[], values?: readonly number[]): Map<string, CsEnumValue> {
  return new Map(names.map((n, i) => [n, new CsEnumValue(typeName, n, values?.[i] ?? i)]));
}

export const ENUMS: ReadonlyMap<string, ReadonlyMap<string, CsEnumValue>> = new Map([
  ['StringComparison', enumType('StringComparison', [
    'CurrentCulture', 'CurrentCultureIgnoreCase', 'InvariantCulture', 'InvariantCultureIgnoreCase', 'Ordinal', 'OrdinalIgnoreCase',
  ])],
  ['StringSplitOptions', enumType('StringSplitOptions', ['None', 'RemoveEmptyEntries', 'TrimEntries'], [0, 1, 2])],
  ['DateTimeKind', enumType('DateTimeKind', ['Unspecified', 'Utc', 'Local'])],
  ['DayOfWeek', enumType('DayOfWeek', ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])],
  // StringComparer's static comparers behave, for our purposes, like the matching StringComparison.
  ['StringComparer', enumType('StringComparer', [
    'CurrentCulture', 'CurrentCultureIgnoreCase', 'InvariantCulture', 'InvariantCultureIgnoreCase', 'Ordinal', 'OrdinalIgnoreCase',
  ])],
]);

export const enumValue = (type: string, name: string): CsEnumValue => ENUMS.get(type)!.get(name)!;

/** True for the *IgnoreCase members of StringComparison / StringComparer. */
export const ignoresCase = (v: unknown): boolean =>
  v instanceof CsEnumValue && (v.typeName === 'StringComparison' || v.typeName === 'StringComparer') && v.value % 2 === 1;

export const isComparison = (v: unknown): v is CsEnumValue =>
  v instanceof CsEnumValue && (v.typeName === 'StringComparison' || v.typeName === 'StringComparer');
