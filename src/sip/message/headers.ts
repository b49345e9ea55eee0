import { canonicalHeaderName, headerKey } from './header-names.js';

/** One header field line as received or to be sent: the name as written and its raw value (unfolded). */
export interface HeaderField {
  readonly name: string;
  value: string;
}

/**
 * The header fields of a message, in order. Lookup is case-insensitive and knows compact forms
 * (RFC 3261 §7.3.3). Values stay raw strings: the typed views (Via, name-addr, CSeq...) are parsed by the
 * functions in this folder when asked, so that a proxy or a transaction layer pays only for what it reads.
 * Unknown headers are kept verbatim. A field line holding a comma-separated list stays one field; `getAll`
 * with `split` returns the list elements (RFC 3261 §7.3.1).
 */
export class Headers implements Iterable<HeaderField> {
  private readonly fields: HeaderField[];
  /** headerKey() of each field, kept beside it so that a lookup compares strings only. */
  private readonly keys: string[];

  /** `keys`, when given, must be headerKey() of each field (the parser computes them while it reads). */
  constructor(fields: HeaderField[] = [], keys?: string[]) {
    this.fields = fields;
    this.keys = keys ?? fields.map((f) => headerKey(f.name));
  }

  private indexOf(key: string): number {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  /** The first value of the header, or undefined. */
  get(name: string): string | undefined {
    const at = this.indexOf(headerKey(name));
    return at < 0 ? undefined : this.fields[at]!.value;
  }

  /** Every field value of the header, in order (each field line one entry; see splitHeaderList for lists). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.fields[i]!.value);
    return out;
  }

  has(name: string): boolean {
    return this.indexOf(headerKey(name)) >= 0;
  }

  /** Replaces every field of that name with one field (appended where the first one was, else at the end). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.indexOf(key);
    this.remove(name);
    const field = { name: canonicalHeaderName(name), value };
    if (at < 0) {
      this.fields.push(field);
      this.keys.push(key);
    } else {
      this.fields.splice(at, 0, field);
      this.keys.splice(at, 0, key);
    }
    return this;
  }

  append(name: string, value: string): this {
    this.fields.push({ name: canonicalHeaderName(name), value });
    this.keys.push(headerKey(name));
    return this;
  }

  /** Inserts a field before every other field of that name (a proxy's Via, a Record-Route). */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.indexOf(key);
    const field = { name: canonicalHeaderName(name), value };
    if (at < 0) {
      this.fields.push(field);
      this.keys.push(key);
    } else {
      this.fields.splice(at, 0, field);
      this.keys.splice(at, 0, key);
    }
    return this;
  }

  /** Removes the first field of that name (the top Via on a response going upstream). */
  removeFirst(name: string): boolean {
    const at = this.indexOf(headerKey(name));
    if (at < 0) return false;
    this.fields.splice(at, 1);
    this.keys.splice(at, 1);
    return true;
  }

  remove(name: string): this {
    const key = headerKey(name);
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] === key) {
        this.fields.splice(i, 1);
        this.keys.splice(i, 1);
      }
    }
    return this;
  }

  get size(): number {
    return this.fields.length;
  }

  clone(): Headers {
    return new Headers(
      this.fields.map((f) => ({ name: f.name, value: f.value })),
      this.keys.slice(),
    );
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }
}
