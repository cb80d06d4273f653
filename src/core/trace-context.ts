/**
 * W3C trace context (`traceparent`) made by Weft itself, so every call has real trace and span ids
 * in logs and recordings with no OpenTelemetry SDK installed. `src/observe` builds spans on top.
 */
import { randomFillSync } from "node:crypto";

/** The trace position of one call. */
export interface TraceContext {
  /** 32 lowercase hex characters, shared by every call of one request. */
  readonly traceId: string;
  /** 16 lowercase hex characters identifying this call. */
  readonly spanId: string;
  /** The caller's span id, when there is a caller. */
  readonly parentSpanId: string | undefined;
  /** Whether the trace is sampled (the W3C `01` flag). */
  readonly sampled: boolean;
}

// Random bytes are drawn in bulk: one syscall serves hundreds of ids.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let any = 0;
  for (let i = poolOffset; i < poolOffset + bytes; i++) any |= pool[i] as number;
  // One flat string, not a rope of 2-character pieces: ids are kept (recorder, logs) and read
  // character by character, and a rope costs an object per piece until it is flattened.
  const hex = pool.toString("hex", poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  // All-zero ids are invalid in W3C trace context; the odds are negligible but the rule is cheap.
  return any === 0 ? randomHex(bytes) : hex;
}

/** Starts a new trace (a root call). */
export function newTrace(sampled = true): TraceContext {
  return { traceId: randomHex(16), spanId: randomHex(8), parentSpanId: undefined, sampled };
}

/** The trace context of a call made from `parent`: same trace, new span. */
export function childTrace(parent: TraceContext): TraceContext {
  return {
    traceId: parent.traceId,
    spanId: randomHex(8),
    parentSpanId: parent.spanId,
    sampled: parent.sampled,
  };
}

/** Renders the W3C `traceparent` header of a trace context. */
export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.sampled ? "01" : "00"}`;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/**
 * Parses a `traceparent` header into the caller's trace position (its span becomes the parent of
 * the next span). Returns undefined for anything invalid, as the W3C spec asks: start a new trace.
 */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  if (version === "00" && header.trim().length !== 55) return undefined;
  return {
    traceId,
    spanId,
    parentSpanId: undefined,
    sampled: (Number.parseInt(flags, 16) & 1) === 1,
  };
}
