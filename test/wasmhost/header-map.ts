// An Envoy HTTP header map as a filter sees it: keys lower-cased on the way in, pseudo-headers
// (":method", ":path", ...) kept ahead of the regular headers (Envoy's HeaderList inserts them
// before the first regular header), replace = remove every entry then add one (HeaderMapImpl::setCopy),
// get = the first entry's value, byteSize = sum of key and value lengths.
import type { HeaderPair } from "./pairs.js";

export class HeaderMap {
  private readonly entries: Array<[string, string]> = [];

  constructor(pairs: readonly HeaderPair[] = []) {
    for (const [name, value] of pairs) this.add(name, value);
  }

  add(name: string, value: string): void {
    const key = name.toLowerCase();
    if (key.startsWith(":")) {
      const firstRegular = this.entries.findIndex(([k]) => !k.startsWith(":"));
      if (firstRegular >= 0) {
        this.entries.splice(firstRegular, 0, [key, value]);
        return;
      }
    }
    this.entries.push([key, value]);
  }

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    return this.entries.find(([k]) => k === key)?.[1];
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    return this.entries.filter(([k]) => k === key).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  remove(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]?.[0] === key) this.entries.splice(i, 1);
    }
  }

  replace(name: string, value: string): void {
    this.remove(name);
    this.add(name, value);
  }

  setAll(pairs: readonly HeaderPair[]): void {
    this.entries.length = 0;
    for (const [name, value] of pairs) this.add(name, value);
  }

  get size(): number {
    return this.entries.length;
  }

  byteSize(): number {
    let total = 0;
    for (const [k, v] of this.entries) total += Buffer.byteLength(k) + Buffer.byteLength(v);
    return total;
  }

  pairs(): Array<[string, string]> {
    return this.entries.map(([k, v]) => [k, v]);
  }

  /** The pairs as a plain object; repeated names keep their first value. */
  toObject(): Record<string, string> {
    const object: Record<string, string> = {};
    for (const [k, v] of this.entries) if (!(k in object)) object[k] = v;
    return object;
  }
}
