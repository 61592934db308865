/** A minimal writer of QEMU simpletrace v4 files, for tests. */
type Arg = string | bigint | number;

export class SimpleTraceWriter {
  private parts: Buffer[] = [];
  private ids = new Map<string, bigint>();

  constructor(private readonly pid = 4242) {
    const h = Buffer.alloc(24);
    h.writeBigUInt64LE(0xffffffffffffffffn, 0);
    h.writeBigUInt64LE(0xf2b177cb0aa429b4n, 8);
    h.writeBigUInt64LE(4n, 16);
    this.parts.push(h);
  }

  private id(name: string): bigint {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = BigInt(this.ids.size + 10);
      this.ids.set(name, id);
      const n = Buffer.from(name);
      const rec = Buffer.alloc(20 + n.length);
      rec.writeBigUInt64LE(0n, 0);
      rec.writeBigUInt64LE(id, 8);
      rec.writeUInt32LE(n.length, 16);
      n.copy(rec, 20);
      this.parts.push(rec);
    }
    return id;
  }

  event(name: string, ns: bigint, args: Arg[]): this {
    const id = this.id(name);
    const payload = args.map((a) => {
      if (typeof a === 'string') {
        const s = Buffer.from(a);
        const b = Buffer.alloc(4 + s.length);
        b.writeUInt32LE(s.length, 0);
        s.copy(b, 4);
        return b;
      }
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(a)), 0);
      return b;
    });
    this.record(id, ns, Buffer.concat(payload));
    return this;
  }

  dropped(ns: bigint, count: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(count), 0);
    this.record(0xfffffffffffffffen, ns, b);
    return this;
  }

  private record(id: bigint, ns: bigint, payload: Buffer): void {
    const h = Buffer.alloc(32);
    h.writeBigUInt64LE(1n, 0);
    h.writeBigUInt64LE(id, 8);
    h.writeBigUInt64LE(ns, 16);
    h.writeUInt32LE(24 + payload.length, 24);
    h.writeUInt32LE(this.pid, 28);
    this.parts.push(h, payload);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
