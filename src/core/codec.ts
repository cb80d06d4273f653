/**
 * The codec seam: how values become bytes on a wire. JSON by default (dates become ISO strings,
 * as everywhere in Weft).
 */

/** Turns values into bytes and back. */
export interface Codec {
  /** MIME type, carried with messages, e.g. `application/json`. */
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  /** Throws on malformed bytes; transports turn that into INVALID_ARGUMENT. */
  decode(bytes: Uint8Array): unknown;
  /**
   * For text codecs: the encoding as a string, so a transport can write it together with its own
   * header in one pass instead of encoding and copying twice. Optional.
   */
  encodeText?(value: unknown): string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The JSON codec (UTF-8). `undefined` encodes as an empty payload. */
export const jsonCodec = {
  contentType: "application/json",
  encode(value: unknown): Uint8Array {
    return value === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(value));
  },
  decode(bytes: Uint8Array): unknown {
    return bytes.length === 0 ? undefined : JSON.parse(decoder.decode(bytes));
  },
  encodeText(value: unknown): string {
    return value === undefined ? "" : JSON.stringify(value);
  },
} as const satisfies Codec;
