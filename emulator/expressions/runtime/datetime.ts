// System.DateTime and System.TimeSpan as expressions see them. A DateTime is wall-clock milliseconds plus a kind,
// like .NET's ticks + Kind: comparisons use the wall clock and ignore the kind, as .NET does. Precision is 1 ms
// (not 100 ns ticks).
import { argumentError, CsException, formatError } from '../errors';
import { HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from '../host';
import { enumValue } from './enums';

export type DateTimeKind = 'Utc' | 'Local' | 'Unspecified';

const MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
// DateTime.MinValue (0001-01-01) and MaxValue (9999-12-31T23:59:59.999) in epoch milliseconds.
const MIN_WALL = -62135596800000;
const MAX_WALL = 253402300799999;

const offsetMinutesAt = (instantMs: number): number => -new Date(instantMs).getTimezoneOffset();

export class CsDateTime implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'DateTime';
  /** Wall-clock time as if it were UTC, in epoch milliseconds. */
  readonly wall: number;
  readonly kind: DateTimeKind;

  /** From an instant: a Utc DateTime shows it in UTC, a Local one in this machine's time zone. */
  constructor(date: Date, kind: DateTimeKind = 'Utc') {
    const t = date.getTime();
    this.wall = kind === 'Local' ? t + offsetMinutesAt(t) * MS.minute : t;
    this.kind = kind;
    if (!(this.wall >= MIN_WALL && this.wall <= MAX_WALL)) throw argumentError('The DateTime is out of range.');
  }

  /** From wall-clock milliseconds (the date and time as written) and a kind. */
  static fromWall(wall: number, kind: DateTimeKind): CsDateTime {
    if (!(wall >= MIN_WALL && wall <= MAX_WALL)) {
      throw new CsException('ArgumentOutOfRangeException', 'The added or subtracted value results in an un-representable DateTime.');
    }
    const d = new CsDateTime(EPOCH, 'Utc') as { wall: number; kind: DateTimeKind };
    d.wall = wall;
    d.kind = kind;
    return d as CsDateTime;
  }

  /** The instant this DateTime denotes (Unspecified is taken as UTC). */
  toDate(): Date {
    return new Date(this.kind === 'Local' ? this.wall - offsetMinutesAt(this.wall) * MS.minute : this.wall);
  }

  private add(ms: number): CsDateTime {
    return dateTime(this.wall + ms, this.kind);
  }

  getMember(name: string): unknown {
    const d = new Date(this.wall);
    switch (name) {
      case 'Year': return d.getUTCFullYear();
      case 'Month': return d.getUTCMonth() + 1;
      case 'Day': return d.getUTCDate();
      case 'Hour': return d.getUTCHours();
      case 'Minute': return d.getUTCMinutes();
      case 'Second': return d.getUTCSeconds();
      case 'Millisecond': return d.getUTCMilliseconds();
      case 'DayOfWeek': return enumValue('DayOfWeek', DAY_NAMES[d.getUTCDay()]!);
      case 'DayOfYear': return Math.floor((this.wall - Date.UTC(d.getUTCFullYear(), 0, 1)) / MS.day) + 1;
      case 'Date': return dateTime(this.wall - mod(this.wall, MS.day), this.kind);
      case 'TimeOfDay': return new CsTimeSpan(mod(this.wall, MS.day));
      case 'Kind': return enumValue('DateTimeKind', this.kind);
      default: return NO_SUCH_MEMBER;
    }
  }

  invoke(name: string, args: readonly unknown[]): unknown {
    const n = args[0];
    if (args.length === 1 && typeof n === 'number') {
      switch (name) {
        case 'AddDays': return this.add(n * MS.day);
        case 'AddHours': return this.add(n * MS.hour);
        case 'AddMinutes': return this.add(n * MS.minute);
        case 'AddSeconds': return this.add(n * MS.second);
        case 'AddMilliseconds': return this.add(n);
        case 'AddMonths': return this.addMonths(n);
        case 'AddYears': return this.addMonths(n * 12);
      }
    }
    switch (name) {
      case 'Add':
        if (n instanceof CsTimeSpan) return this.add(n.ms);
        break;
      case 'Subtract':
        if (n instanceof CsDateTime) return new CsTimeSpan(this.wall - n.wall);
        if (n instanceof CsTimeSpan) return this.add(-n.ms);
        break;
      case 'CompareTo':
        if (n instanceof CsDateTime) return Math.sign(this.wall - n.wall);
        break;
      case 'Equals':
        return n instanceof CsDateTime && n.wall === this.wall;
      case 'ToUniversalTime':
        return this.kind === 'Utc' ? this : new CsDateTime(this.toDate(), 'Utc');
      case 'ToLocalTime':
        return this.kind === 'Local' ? this : new CsDateTime(this.toDate(), 'Local');
      case 'ToString':
        if (args.length === 0) return formatDateTime(this, 'G');
        if (typeof n === 'string') return formatDateTime(this, n);
        break;
      case 'ToShortDateString': return formatDateTime(this, 'd');
      case 'ToLongTimeString': return formatDateTime(this, 'T');
      case 'ToShortTimeString': return formatDateTime(this, 't');
    }
    return NO_SUCH_MEMBER;
  }

  private addMonths(months: number): CsDateTime {
    const d = new Date(this.wall);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + Math.trunc(months);
    const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    const target = Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay));
    return dateTime(target + mod(this.wall, MS.day), this.kind);
  }
}

const EPOCH = new Date(0);
const dateTime = (wall: number, kind: DateTimeKind): CsDateTime => CsDateTime.fromWall(wall, kind);

export class CsTimeSpan implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'TimeSpan';
  constructor(readonly ms: number) {}
  getMember(name: string): unknown {
    const a = Math.abs(this.ms);
    const sign = this.ms < 0 ? -1 : 1;
    switch (name) {
      case 'TotalMilliseconds': return this.ms;
      case 'TotalSeconds': return this.ms / MS.second;
      case 'TotalMinutes': return this.ms / MS.minute;
      case 'TotalHours': return this.ms / MS.hour;
      case 'TotalDays': return this.ms / MS.day;
      case 'Days': return sign * Math.floor(a / MS.day);
      case 'Hours': return sign * (Math.floor(a / MS.hour) % 24);
      case 'Minutes': return sign * (Math.floor(a / MS.minute) % 60);
      case 'Seconds': return sign * (Math.floor(a / MS.second) % 60);
      case 'Milliseconds': return sign * (a % 1000);
      default: return NO_SUCH_MEMBER;
    }
  }
  invoke(name: string, args: readonly unknown[]): unknown {
    const n = args[0];
    switch (name) {
      case 'ToString': return args.length === 0 ? formatTimeSpan(this.ms) : NO_SUCH_MEMBER;
      case 'Add': return n instanceof CsTimeSpan ? new CsTimeSpan(this.ms + n.ms) : NO_SUCH_MEMBER;
      case 'Subtract': return n instanceof CsTimeSpan ? new CsTimeSpan(this.ms - n.ms) : NO_SUCH_MEMBER;
      case 'Negate': return new CsTimeSpan(-this.ms);
      case 'Duration': return new CsTimeSpan(Math.abs(this.ms));
      case 'CompareTo': return n instanceof CsTimeSpan ? Math.sign(this.ms - n.ms) : NO_SUCH_MEMBER;
      case 'Equals': return n instanceof CsTimeSpan && n.ms === this.ms;
      default: return NO_SUCH_MEMBER;
    }
  }
}

const mod = (a: number, b: number): number => ((a % b) + b) % b;
const pad = (n: number, w: number): string => String(Math.abs(n)).padStart(w, '0');
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function formatTimeSpan(ms: number): string {
  const a = Math.abs(ms);
  const days = Math.floor(a / MS.day);
  const frac = a % 1000;
  return (
    (ms < 0 ? '-' : '') +
    (days ? `${days}.` : '') +
    `${pad(Math.floor(a / MS.hour) % 24, 2)}:${pad(Math.floor(a / MS.minute) % 60, 2)}:${pad(Math.floor(a / MS.second) % 60, 2)}` +
    (frac ? `.${pad(frac, 3)}0000` : '')
  );
}

function offsetText(dt: CsDateTime, colon: boolean): string {
  if (dt.kind === 'Utc') return colon ? '+00:00' : '+0000';
  const off = offsetMinutesAt(dt.toDate().getTime());
  const s = `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60), 2)}${colon ? ':' : ''}${pad(Math.abs(off) % 60, 2)}`;
  return s;
}

// Standard formats in the invariant/en-US culture APIM runs with.
const STANDARD: Record<string, string> = {
  d: 'M/d/yyyy', D: 'dddd, MMMM d, yyyy', t: 'h:mm tt', T: 'h:mm:ss tt', f: 'dddd, MMMM d, yyyy h:mm tt',
  F: 'dddd, MMMM d, yyyy h:mm:ss tt', g: 'M/d/yyyy h:mm tt', G: 'M/d/yyyy h:mm:ss tt', s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  M: 'MMMM d', m: 'MMMM d', Y: 'MMMM yyyy', y: 'MMMM yyyy',
};

export function formatDateTime(dt: CsDateTime, format: string): string {
  if (format === 'o' || format === 'O') {
    return formatDateTime(dt, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff") + (dt.kind === 'Unspecified' ? '' : dt.kind === 'Utc' ? 'Z' : offsetText(dt, true));
  }
  if (format === 'u') return formatDateTime(dt, "yyyy'-'MM'-'dd HH':'mm':'ss'Z'");
  if (format === 'r' || format === 'R') {
    const u = dt.kind === 'Local' ? new CsDateTime(dt.toDate(), 'Utc') : dt;
    return formatDateTime(u, "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'");
  }
  if (format.length === 1) {
    const std = STANDARD[format];
    if (std === undefined) throw formatError('Input string was not in a correct format.');
    return formatDateTime(dt, std);
  }
  const d = new Date(dt.wall);
  let out = '';
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === "'" || c === '"') {
      const close = format.indexOf(c, i + 1);
      if (close < 0) throw formatError('Cannot find a matching quote character.');
      out += format.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === '\\') {
      out += format[i + 1] ?? '';
      i += 2;
      continue;
    }
    let n = 1;
    while (format[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y': { const y = d.getUTCFullYear(); out += n === 2 ? pad(y % 100, 2) : pad(y, Math.max(n, 1)); break; }
      case 'M': { const m = d.getUTCMonth(); out += n >= 4 ? MONTH_NAMES[m]! : n === 3 ? MONTH_NAMES[m]!.slice(0, 3) : pad(m + 1, n); break; }
      case 'd': { out += n >= 4 ? DAY_NAMES[d.getUTCDay()]! : n === 3 ? DAY_NAMES[d.getUTCDay()]!.slice(0, 3) : pad(d.getUTCDate(), n); break; }
      case 'H': out += pad(d.getUTCHours(), Math.min(n, 2)); break;
      case 'h': out += pad(d.getUTCHours() % 12 || 12, Math.min(n, 2)); break;
      case 'm': out += pad(d.getUTCMinutes(), Math.min(n, 2)); break;
      case 's': out += pad(d.getUTCSeconds(), Math.min(n, 2)); break;
      case 'f': case 'F': {
        const digits = (pad(d.getUTCMilliseconds(), 3) + '0000').slice(0, Math.min(n, 7));
        out += c === 'F' ? digits.replace(/0+$/, '') : digits;
        break;
      }
      case 't': { const am = d.getUTCHours() < 12 ? 'AM' : 'PM'; out += n === 1 ? am[0] : am; break; }
      case 'K': out += dt.kind === 'Utc' ? 'Z' : dt.kind === 'Local' ? offsetText(dt, true) : ''; break;
      case 'z': {
        const full = offsetText(dt, true);
        out += n >= 3 ? full : n === 2 ? full.slice(0, 3) : full[0] + String(Number(full.slice(1, 3)));
        break;
      }
      default: out += c.repeat(n);
    }
  }
  return out;
}

/** DateTime.Parse: an offset or Z converts to Local (as .NET does); otherwise Unspecified. */
export function parseDateTime(s: string): CsDateTime {
  const t = s.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (m) {
    const ms = m[7] ? Math.floor(Number(('0.' + m[7])) * 1000) : 0;
    const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), ms);
    if (Number.isNaN(wall)) throw formatError(`String '${s}' was not recognized as a valid DateTime.`);
    if (!m[8]) return dateTime(wall, 'Unspecified');
    const off = m[8].toUpperCase() === 'Z' ? 0 : (m[8][0] === '-' ? -1 : 1) * (+m[8].slice(1, 3) * 60 + +m[8].slice(-2));
    return new CsDateTime(new Date(wall - off * MS.minute), 'Local');
  }
  const parsed = Date.parse(t);
  if (Number.isNaN(parsed) || t === '') throw formatError(`String '${s}' was not recognized as a valid DateTime.`);
  return /(GMT|UTC|Z|[+-]\d{2}:?\d{2})$/i.test(t) ? new CsDateTime(new Date(parsed), 'Local') : dateTime(parsed + offsetMinutesAt(parsed) * MS.minute, 'Unspecified');
}

export const DATETIME_MIN = (): CsDateTime => dateTime(MIN_WALL, 'Unspecified');
export const DATETIME_MAX = (): CsDateTime => dateTime(MAX_WALL, 'Unspecified');
export const TIME_MS = MS;
