/**
 * Weft's call frame. Measured here, nats.js spends as much on encoding NATS headers as on the
 * rest of a call (two small headers halved request/reply throughput at 64 in flight), so Weft
 * puts the call context in a small frame in front of the payload instead. A frame starts with a
 * 0x00 byte, which no JSON (or text) payload can, so plain messages with the context in NATS
 * headers — from the `nats` CLI or another client — are still understood (see headers.ts).
 *
 * Request:  0x00 0x01 <u16 context length> <context> <payload>
 *           context = timeoutMs "\n" traceparent "\n" principal token "\n" metadata JSON
 * Response: 0x00 <0 ok | 1 error> <u8 responder length> <responder> <payload>
 */
import { invalidArgument } from "../../core/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The call context as framed. Empty strings mean absent. */
export interface FrameContext {
  readonly timeoutMs: string;
  readonly traceparent: string;
  readonly principal: string;
  readonly metadata: string;
}

/** True when bytes start a Weft frame (and are not a plain payload). */
export function isFramed(data: Uint8Array): boolean {
  return data.length >= 3 && data[0] === 0;
}

/** Builds a request frame. */
export function encodeRequest(context: FrameContext, payload: Uint8Array): Uint8Array {
  const head = encoder.encode(
    `${context.timeoutMs}\n${context.traceparent}\n${context.principal}\n${context.metadata}`,
  );
  if (head.length > 0xffff)
    throw invalidArgument("CONTEXT_TOO_LARGE", "call metadata is larger than 64 KiB");
  const out = new Uint8Array(4 + head.length + payload.length);
  out[1] = 1;
  out[2] = head.length >> 8;
  out[3] = head.length & 0xff;
  out.set(head, 4);
  out.set(payload, 4 + head.length);
  return out;
}

// One scratch buffer per process: a frame is written into it in one pass, then copied out once.
let scratch = new Uint8Array(64 * 1024);

/**
 * Builds a request frame from a text payload (a text codec's output) with a single UTF-8 pass:
 * context and payload are written straight into the frame.
 */
export function encodeRequestText(context: FrameContext, payload: string): Uint8Array {
  const head = `${context.timeoutMs}\n${context.traceparent}\n${context.principal}\n${context.metadata}`;
  // UTF-8 needs at most 3 bytes per UTF-16 unit.
  const worst = 4 + 3 * (head.length + payload.length);
  if (worst > scratch.length) scratch = new Uint8Array(Math.max(worst, scratch.length * 2));
  const headBytes = encoder.encodeInto(head, scratch.subarray(4)).written;
  if (headBytes > 0xffff)
    throw invalidArgument("CONTEXT_TOO_LARGE", "call metadata is larger than 64 KiB");
  const payloadBytes = encoder.encodeInto(payload, scratch.subarray(4 + headBytes)).written;
  scratch[0] = 0;
  scratch[1] = 1;
  scratch[2] = headBytes >> 8;
  scratch[3] = headBytes & 0xff;
  return scratch.slice(0, 4 + headBytes + payloadBytes);
}

/** Splits a request frame. Throws INVALID_ARGUMENT `MALFORMED_FRAME` for a damaged one. */
export function decodeRequest(data: Uint8Array): { context: FrameContext; payload: Uint8Array } {
  const malformed = () =>
    invalidArgument("MALFORMED_FRAME", "the call frame is damaged or of an unknown version");
  if (data.length < 4 || data[0] !== 0 || data[1] !== 1) throw malformed();
  const length = ((data[2] as number) << 8) | (data[3] as number);
  if (4 + length > data.length) throw malformed();
  let text: string;
  try {
    text = decoder.decode(data.subarray(4, 4 + length));
  } catch {
    throw malformed();
  }
  const parts = text.split("\n");
  if (parts.length !== 4) throw malformed();
  const [timeoutMs, traceparent, principal, metadata] = parts as [string, string, string, string];
  return {
    context: { timeoutMs, traceparent, principal, metadata },
    payload: data.subarray(4 + length),
  };
}

/** Builds a response frame. */
export function encodeResponse(
  ok: boolean,
  responder: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(3 + responder.length + payload.length);
  out[1] = ok ? 0 : 1;
  out[2] = responder.length;
  out.set(responder, 3);
  out.set(payload, 3 + responder.length);
  return out;
}

/** Splits a response frame; undefined when it is not one. */
export function decodeResponse(
  data: Uint8Array,
): { ok: boolean; responder: string; payload: Uint8Array } | undefined {
  if (!isFramed(data) || (data[1] !== 0 && data[1] !== 1)) return undefined;
  const length = data[2] as number;
  if (3 + length > data.length) return undefined;
  let responder = "";
  for (let i = 3; i < 3 + length; i++) responder += String.fromCharCode(data[i] as number);
  return { ok: data[1] === 0, responder, payload: data.subarray(3 + length) };
}

/** Encodes a responder id (`pid@host`, ASCII, at most 255 bytes). */
export function responderBytes(id: string): Uint8Array {
  return encoder.encode(id.replace(/[^\x20-\x7e]/g, "?").slice(0, 255));
}
