// A message's headers as the pipeline mutates them: case-insensitive names, repeated values kept in order, the
// first-seen spelling of a name kept for the wire.

export class HeaderStore {
  private readonly map = new Map<string, { name: string; values: string[] }>();

  static fromRecord(headers: Readonly<Record<string, string | readonly string[]>>): HeaderStore {
    const store = new HeaderStore();
    for (const [name, v] of Object.entries(headers)) {
      for (const value of typeof v === 'string' ? [v] : v) store.append(name, value);
    }
    return store;
  }

  get(name: string): readonly string[] | undefined {
    return this.map.get(name.toLowerCase())?.values;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  set(name: string, values: readonly string[]): void {
    this.map.set(name.toLowerCase(), { name, values: [...values] });
  }

  append(name: string, value: string): void {
    const entry = this.map.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else this.map.set(name.toLowerCase(), { name, values: [value] });
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  get size(): number {
    return this.map.size;
  }

  /** [name as first written, values] pairs. */
  entries(): IterableIterator<{ name: string; values: string[] }> {
    return this.map.values();
  }

  /** Lower-case names, every value kept: the contract's header shape. */
  toRecord(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, entry] of this.map) out[key] = [...entry.values];
    return out;
  }
}
