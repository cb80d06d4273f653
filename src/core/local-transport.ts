/**
 * The local transport: calls between services of one process. In its default mode a call is a
 * function call with the caller's context object. In serialize mode every input, output and error
 * makes a codec round trip and the callee gets a context rebuilt from wire headers, exactly as a
 * network would do it, so tests on one process are never more forgiving than a split deployment
 * (dates become strings, class instances lose their prototypes, payload limits apply).
 *
 * @example
 * ```ts
 * const app = createApp(shop, { config: { serialize: true } }); // the app builds it for you
 * ```
 */

import type { CallContext } from "./context.js";
import { errorFromWire, errorToWire } from "./error-wire.js";
import {
  internal,
  invalidArgument,
  resourceExhausted,
  unavailable,
  type WeftError,
} from "./errors.js";
import { callHeaders, isNestedCall, type Transport, type TransportHost } from "./transport.js";

/** Options of {@link createLocalTransport}. */
export interface LocalTransportOptions {
  /** Round-trip every call through the codec. Default false. */
  serialize?: boolean;
}

function encode(
  host: TransportHost,
  value: unknown,
  what: "input" | "output",
  ctx: CallContext,
): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = host.codec.encode(value);
  } catch (e) {
    const message = `${what} of ${ctx.service}.${ctx.method} cannot be encoded as ${host.codec.contentType}: ${(e as Error).message}`;
    throw what === "input"
      ? invalidArgument("INPUT_NOT_ENCODABLE", message)
      : internal("OUTPUT_NOT_ENCODABLE", message, { mayHaveRun: true });
  }
  if (bytes.length > host.maxPayload) {
    throw resourceExhausted(
      "PAYLOAD_TOO_LARGE",
      `${what} of ${ctx.service}.${ctx.method} is ${bytes.length} bytes; the limit (maxPayload) is ${host.maxPayload}`,
      {
        metadata: {
          limit: "maxPayload",
          maxBytes: String(host.maxPayload),
          bytes: String(bytes.length),
        },
        mayHaveRun: what === "output",
        retryable: false,
      },
    );
  }
  return bytes;
}

async function serializedCall(
  host: TransportHost,
  ctx: CallContext,
  input: unknown,
): Promise<unknown> {
  const inputBytes = encode(host, input, "input", ctx);
  const headers = JSON.parse(JSON.stringify(callHeaders(ctx)));
  let output: unknown;
  try {
    output = await host.accept(headers, host.codec.decode(inputBytes), {
      admitted: isNestedCall(ctx),
      signal: ctx.signal,
    });
  } catch (error) {
    throw errorFromWire(JSON.parse(JSON.stringify(errorToWire(error)))) satisfies WeftError;
  }
  return host.codec.decode(encode(host, output, "output", ctx));
}

/** Creates the in-process transport of one app. */
export function createLocalTransport(options: LocalTransportOptions = {}): Transport {
  const serialize = options.serialize ?? false;
  let host: TransportHost | undefined;
  return {
    name: serialize ? "local (serialized)" : "local",
    async serve(h) {
      host = h;
    },
    call(ctx, input) {
      if (host === undefined) {
        return Promise.reject(
          unavailable("NOT_RUNNING", `${ctx.service}.${ctx.method}: the app is not running`),
        );
      }
      return serialize ? serializedCall(host, ctx, input) : host.dispatch(ctx, input);
    },
    async stopIntake() {},
    async close() {
      host = undefined;
    },
  } satisfies Transport;
}
