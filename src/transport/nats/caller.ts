/**
 * The calling side: one reply-inbox subscription per connection and a correlation map, instead of
 * a `request()` (and its subscription and timer) per call. Replies are matched by the last
 * subject token. A sweep drops entries whose deadline has passed (the runtime already answered
 * the caller); a lost connection fails every pending call with UNAVAILABLE `mayHaveRun: true`.
 */
import { createInbox, type Msg, type NatsConnection } from "@nats-io/transport-node";
import {
  type CallContext,
  errorFromWire,
  invalidArgument,
  notePayloadBytes,
  resourceExhausted,
  type TransportHost,
  unavailable,
  type WeftError,
} from "../../core/index.js";
import { decodeResponse, encodeRequest, encodeRequestText } from "./frame.js";
import { contextFields } from "./headers.js";
import { methodSubject } from "./subjects.js";

interface Pending {
  resolve(value: unknown): void;
  reject(error: WeftError): void;
  deadline: number;
  ctx: CallContext;
  startedAt: number;
  /** Bytes of the request frame. */
  sent: number;
}

/** Who answered a call, reported to an observer (tests, topology). */
export interface CallObservation {
  readonly service: string;
  readonly method: string;
  readonly ok: boolean;
  /** `pid@host` of the process that answered, when it said. */
  readonly responder: string | undefined;
  readonly ms: number;
}

/** Sends calls over one connection and matches replies. */
export class Caller {
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private readonly sweeper: NodeJS.Timeout;
  connected = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly host: TransportHost,
    private readonly observer: ((o: CallObservation) => void) | undefined,
  ) {
    this.prefix = createInbox();
    nc.subscribe(`${this.prefix}.*`, { callback: (_err, msg) => this.onReply(msg) });
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  call(ctx: CallContext, input: unknown): Promise<unknown> {
    const where = `${ctx.service}.${ctx.method}`;
    if (!this.connected || this.nc.isClosed() || this.nc.isDraining()) {
      return Promise.reject(
        unavailable("NOT_CONNECTED", `${where}: not connected to NATS`, { mayHaveRun: false }),
      );
    }
    const id = (++this.seq).toString(36);
    let frame: Uint8Array;
    try {
      const context = contextFields(ctx, this.host.app, this.host.principalKey);
      const codec = this.host.codec;
      let text: string | undefined;
      let data: Uint8Array | undefined;
      try {
        if (codec.encodeText !== undefined) text = codec.encodeText(input);
        else data = codec.encode(input);
      } catch (e) {
        throw invalidArgument(
          "INPUT_NOT_ENCODABLE",
          `${where}: input cannot be encoded: ${(e as Error).message}`,
        );
      }
      frame =
        text !== undefined
          ? encodeRequestText(context, text)
          : encodeRequest(context, data ?? new Uint8Array(0));
    } catch (e) {
      return Promise.reject(e);
    }
    const limit = Math.min(
      this.host.maxPayload,
      this.nc.info?.max_payload ?? Number.POSITIVE_INFINITY,
    );
    if (frame.length > limit) {
      return Promise.reject(
        resourceExhausted(
          "PAYLOAD_TOO_LARGE",
          `${where}: the call is ${frame.length} bytes with its context; the limit is ${limit}`,
          {
            metadata: { limit: "maxPayload", maxBytes: String(limit), bytes: String(frame.length) },
            retryable: false,
          },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve,
        reject,
        deadline: ctx.deadline,
        ctx,
        startedAt: performance.now(),
        sent: frame.length,
      });
      try {
        this.nc.publish(methodSubject(this.host.app, ctx.service, ctx.method), frame, {
          reply: `${this.prefix}.${id}`,
        });
      } catch (e) {
        this.pending.delete(id);
        reject(
          unavailable("PUBLISH_FAILED", `${where}: ${(e as Error).message}`, { mayHaveRun: false }),
        );
      }
    });
  }

  private onReply(msg: Msg): void {
    const id = msg.subject.slice(this.prefix.length + 1);
    const p = this.pending.get(id);
    if (p === undefined) return; // the caller stopped waiting (deadline): a late reply
    this.pending.delete(id);
    const { ctx } = p;
    // For the call's span: what it weighed on the wire, both ways (headers not counted).
    notePayloadBytes(ctx, p.sent + msg.data.length);
    const h = msg.headers;
    const response = decodeResponse(msg.data);
    let ok = false;
    if (h?.hasError && h.code === 503) {
      p.reject(
        unavailable(
          "NO_RESPONDERS",
          `no instance of ${ctx.service} is serving ${ctx.service}.${ctx.method}`,
          {
            metadata: { service: ctx.service },
            mayHaveRun: false,
          },
        ),
      );
    } else if (response === undefined) {
      p.reject(errorFromWire(undefined));
    } else if (!response.ok) {
      let wire: unknown;
      try {
        wire = this.host.codec.decode(response.payload);
      } catch {
        wire = undefined;
      }
      p.reject(errorFromWire(wire));
    } else {
      try {
        p.resolve(this.host.codec.decode(response.payload));
        ok = true;
      } catch {
        p.reject(errorFromWire(undefined));
      }
    }
    this.observer?.({
      service: ctx.service,
      method: ctx.method,
      ok,
      responder: response?.responder || undefined,
      ms: performance.now() - p.startedAt,
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) if (p.deadline <= now) this.pending.delete(id);
  }

  /**
   * Fails pending calls (all, or only idempotent ones) with UNAVAILABLE `CONNECTION_LOST`,
   * `mayHaveRun: true`: their requests or replies may have been lost with a connection or a
   * server, so their callers would otherwise wait until their deadlines.
   */
  failPending(reason: string, only: "all" | "idempotent" = "all"): void {
    for (const [id, p] of this.pending) {
      if (only === "idempotent" && !p.ctx.idempotent) continue;
      this.pending.delete(id);
      p.reject(
        unavailable("CONNECTION_LOST", `${p.ctx.service}.${p.ctx.method}: ${reason}`, {
          mayHaveRun: true,
        }),
      );
    }
  }

  /** Calls waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.failPending("the transport closed");
  }
}
