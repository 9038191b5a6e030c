/**
 * Small building blocks for keeping a million audit records in memory as numbers rather than strings:
 * a growable typed-array column, and a dictionary that gives each distinct string one number.
 */

type TypedArray = Uint8Array | Uint16Array | Uint32Array | Float64Array;
type TypedArrayCtor<T extends TypedArray> = new (length: number) => T;

export class Column<T extends TypedArray> {
  private data: T;
  length = 0;

  constructor(private readonly Ctor: TypedArrayCtor<T>) {
    this.data = new Ctor(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new this.Ctor(this.data.length * 2);
      bigger.set(this.data as never);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  /** Bytes held, for the benchmark's memory figure. */
  get bytes(): number {
    return this.data.byteLength;
  }
}

/** Distinct strings, each stored once and known by its index. Id 0 is always the empty string. */
export class Dictionary {
  private readonly ids = new Map<string, number>([['', 0]]);
  readonly values: string[] = [''];

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** For each id, whether its string passes `test`: a filter then costs one lookup per record. */
  matching(test: (value: string) => boolean): Uint8Array {
    const out = new Uint8Array(this.values.length);
    for (let i = 0; i < this.values.length; i++) out[i] = test(this.values[i]!) ? 1 : 0;
    return out;
  }
}
