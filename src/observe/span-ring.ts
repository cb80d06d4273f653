/**
 * The recorder's storage: finished spans kept column by column in typed arrays — ids as bytes,
 * times as doubles — with names interned. Holding 10,000 spans as objects (and their id strings)
 * kept every span alive long enough to be promoted to the old generation: measured, the garbage
 * collector then cost several microseconds per call. Here a span is a few array writes and leaves
 * no object behind; spans are rebuilt as objects only when someone reads them.
 */
import type { FinishedSpan, SpanKind, WeftError } from "../core/index.js";

const KINDS: readonly SpanKind[] = ["client", "server", "internal"];
const KIND_CODE: Readonly<Record<SpanKind, number>> = { client: 0, server: 1, internal: 2 };
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, "0"),
);
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE["0123456789abcdef".charCodeAt(i)] = i;

/** Writes a hex id into `bytes` at `at`; false when it is not lowercase hex of that length. */
function writeHex(hex: string, bytes: Uint8Array, at: number, length: number): boolean {
  if (hex.length !== length * 2) return false;
  for (let i = 0; i < length; i++) {
    const hi = NIBBLE[hex.charCodeAt(2 * i)] ?? -1;
    const lo = NIBBLE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) return false;
    bytes[at + i] = (hi << 4) | lo;
  }
  return true;
}

function readHex(bytes: Uint8Array, at: number, length: number): string {
  let out = "";
  for (let i = at; i < at + length; i++) out += HEX[bytes[i] as number];
  return out;
}

/** Most distinct names interned; past it, names are kept as given. */
const MAX_NAMES = 10_000;

/** A ring of finished spans in columns. */
export class SpanRing {
  private readonly kind: Uint8Array;
  /** Bit 0: remote; bit 1: has a parent; bit 2: ids were not hex and are kept in `odd`. */
  private readonly flags: Uint8Array;
  /** Per span: trace id (16), span id (8), parent span id (8). */
  private readonly ids: Uint8Array;
  /** Per span: start time, duration, bytes (NaN when unknown). */
  private readonly numbers: Float64Array;
  /** Per span: app, service, method, caller. */
  private readonly names: (string | undefined)[];
  private readonly errors: (WeftError | undefined)[];
  /** Spans whose ids are not W3C hex (never from Weft itself): kept whole. */
  private readonly odd = new Map<number, FinishedSpan>();
  private readonly interned = new Map<string, string>();
  private next = 0;
  private total = 0;

  constructor(readonly capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.ids = new Uint8Array(capacity * 32);
    this.numbers = new Float64Array(capacity * 3);
    // Filled, not `new Array(n)`: a large holey array may be kept as a dictionary.
    this.names = Array.from({ length: capacity * 4 }, () => undefined);
    this.errors = Array.from({ length: capacity }, () => undefined);
  }

  /** Spans pushed since creation. */
  get pushed(): number {
    return this.total;
  }

  /** Spans held. */
  get size(): number {
    return Math.min(this.total, this.capacity);
  }

  private intern(name: string): string {
    const known = this.interned.get(name);
    if (known !== undefined) return known;
    if (this.interned.size < MAX_NAMES) this.interned.set(name, name);
    return name;
  }

  /** Keeps a span, overwriting the oldest when full. */
  push(span: FinishedSpan): void {
    const i = this.next;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    this.total += 1;
    const hasParent = span.parentSpanId !== undefined;
    const hex =
      writeHex(span.traceId, this.ids, i * 32, 16) &&
      writeHex(span.spanId, this.ids, i * 32 + 16, 8) &&
      (!hasParent || writeHex(span.parentSpanId as string, this.ids, i * 32 + 24, 8));
    if (!hex) this.odd.set(i, span);
    else if (this.odd.size > 0) this.odd.delete(i);
    this.kind[i] = KIND_CODE[span.kind];
    this.flags[i] = (span.remote ? 1 : 0) | (hasParent ? 2 : 0);
    this.numbers[i * 3] = span.startTime;
    this.numbers[i * 3 + 1] = span.durationMs;
    this.numbers[i * 3 + 2] = span.bytes ?? Number.NaN;
    // Client spans name what contracts name (strings that live as long as the app); a served
    // call's names may be cut from a NATS subject per call: keep one copy of each.
    const served = span.kind !== "client";
    this.names[i * 4] = span.app;
    this.names[i * 4 + 1] = served ? this.intern(span.service) : span.service;
    this.names[i * 4 + 2] = served ? this.intern(span.method) : span.method;
    this.names[i * 4 + 3] = span.caller;
    this.errors[i] = span.error;
  }

  /** The span at slot `i`, as an object. */
  private at(i: number): FinishedSpan {
    const odd = this.odd.get(i);
    if (odd !== undefined) return odd;
    const flags = this.flags[i] as number;
    const bytes = this.numbers[i * 3 + 2] as number;
    return {
      kind: KINDS[this.kind[i] as number] as SpanKind,
      app: this.names[i * 4] as string,
      service: this.names[i * 4 + 1] as string,
      method: this.names[i * 4 + 2] as string,
      traceId: readHex(this.ids, i * 32, 16),
      spanId: readHex(this.ids, i * 32 + 16, 8),
      parentSpanId: (flags & 2) === 0 ? undefined : readHex(this.ids, i * 32 + 24, 8),
      caller: this.names[i * 4 + 3],
      startTime: this.numbers[i * 3] as number,
      durationMs: this.numbers[i * 3 + 1] as number,
      error: this.errors[i],
      remote: (flags & 1) === 1,
      bytes: Number.isNaN(bytes) ? undefined : bytes,
    };
  }

  /** The slots of held spans, oldest first. */
  private *slots(): Generator<number> {
    const start = this.total > this.capacity ? this.next : 0;
    for (let k = 0; k < this.size; k++) yield (start + k) % this.capacity;
  }

  /** Every span held, oldest first. */
  all(): FinishedSpan[] {
    const out: FinishedSpan[] = [];
    for (const i of this.slots()) out.push(this.at(i));
    return out;
  }

  /** The spans held of these traces, oldest first, without building the others. */
  ofTraces(traceIds: ReadonlySet<string>): FinishedSpan[] {
    const wanted = new Map<string, Uint8Array>();
    for (const id of traceIds) {
      const bytes = new Uint8Array(16);
      if (writeHex(id, bytes, 0, 16)) wanted.set(id, bytes);
    }
    const out: FinishedSpan[] = [];
    for (const i of this.slots()) {
      const odd = this.odd.get(i);
      if (odd !== undefined) {
        if (traceIds.has(odd.traceId)) out.push(odd);
        continue;
      }
      for (const bytes of wanted.values()) {
        let same = true;
        for (let b = 0; b < 16 && same; b++) same = this.ids[i * 32 + b] === bytes[b];
        if (same) {
          out.push(this.at(i));
          break;
        }
      }
    }
    return out;
  }
}
