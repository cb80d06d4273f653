/**
 * The calling side: one reply-inbox subscription per connection and a correlation map, instead of
 * a `request()` (and its subscription and timer) per call. Replies are matched by the last
 * subject token. A sweep drops entries whose deadline has passed (the runtime already answered
 * the caller); a lost connection fails every pending call with UNAVAILABLE `mayHaveRun: true`.
 * A call its caller cancels is cancelled at the callee too: a cancel message naming the call's
 * reply subject goes to every replica of the service, and the one serving it aborts its signal.
 * While disconnected, calls fail at once with UNAVAILABLE `NOT_CONNECTED`, saying since when.
 */
import { createInbox, type Msg, type NatsConnection } from "@nats-io/transport-node";
import {
  type AbortListener,
  abortReason,
  type CallContext,
  errorFromWire,
  invalidArgument,
  notePayloadBytes,
  resourceExhausted,
  stopWhenAborted,
  type TransportHost,
  unavailable,
  type WeftError,
  whenAborted,
} from "../../core/index.js";
import {
  cancelSubject,
  inboxPrefix,
  methodSubject,
  replySubject,
  replyToken,
  replyWildcard,
} from "../subjects.js";
import { decodeResponse, encodeRequest, encodeRequestText } from "./frame.js";
import { contextFields } from "./headers.js";

/** A call waiting for its reply; told when its caller's context is aborted. */
class Pending implements AbortListener {
  readonly deadline: number;
  readonly startedAt = performance.now();

  constructor(
    private readonly caller: Caller,
    readonly ctx: CallContext,
    readonly reply: string,
    /** Bytes of the request frame. */
    readonly sent: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: WeftError) => void,
  ) {
    this.deadline = ctx.deadline;
  }

  callAborted(reason: unknown): void {
    this.caller.cancel(this, reason);
  }
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
  private readonly subjects = new Map<string, Map<string, string>>();
  private seq = 0;
  private readonly sweeper: NodeJS.Timeout;
  /** When the connection was lost (`Date.now()`), or undefined while connected. */
  private disconnectedAt: number | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly host: TransportHost,
    private readonly observer: ((o: CallObservation) => void) | undefined,
  ) {
    this.prefix = createInbox(inboxPrefix(host.app));
    nc.subscribe(replyWildcard(this.prefix), { callback: (_err, msg) => this.onReply(msg) });
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  /** True while the connection is up (as the connection's status events last said). */
  get connected(): boolean {
    return this.disconnectedAt === undefined;
  }

  /** The connection was lost: fail calls waiting for replies, refuse new ones until reconnected. */
  disconnected(): void {
    this.disconnectedAt ??= Date.now();
    this.failPending("the connection to NATS was lost");
  }

  /** The connection is back. */
  reconnected(): void {
    this.disconnectedAt = undefined;
  }

  call(ctx: CallContext, input: unknown): Promise<unknown> {
    const where = `${ctx.service}.${ctx.method}`;
    if (this.disconnectedAt !== undefined || this.nc.isClosed() || this.nc.isDraining()) {
      // `disconnectedMs` lets retries wait out a failover but not hold calls through an outage.
      const since = this.disconnectedAt ?? Date.now();
      return Promise.reject(
        unavailable("NOT_CONNECTED", `${where}: not connected to NATS`, {
          mayHaveRun: false,
          metadata: { disconnectedMs: String(Date.now() - since) },
        }),
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
    const reply = replySubject(this.prefix, id);
    let subject: string;
    try {
      subject = this.subjectOf(ctx.service, ctx.method);
    } catch (e) {
      return Promise.reject(e);
    }
    const aborted = abortReason(ctx);
    if (aborted !== undefined) return Promise.reject(aborted);
    return new Promise((resolve, reject) => {
      const pending = new Pending(this, ctx, reply, frame.length, resolve, reject);
      this.pending.set(id, pending);
      // On Weft's contexts no AbortController, event listener or closure per call.
      whenAborted(ctx, pending);
      try {
        this.nc.publish(subject, frame, { reply });
      } catch (e) {
        this.forget(id);
        reject(
          unavailable("PUBLISH_FAILED", `${where}: ${(e as Error).message}`, { mayHaveRun: false }),
        );
      }
    });
  }

  /**
   * The caller's context was aborted while the call waited: tell the replica serving it (any of
   * them may). A passed deadline needs no message: the callee has the same deadline.
   */
  cancel(p: Pending, reason: unknown): void {
    const { ctx, reply } = p;
    this.forget(replyToken(this.prefix, reply))?.reject(reason as WeftError);
    if ((reason as WeftError | undefined)?.code === "DEADLINE_EXCEEDED") return;
    if (this.disconnectedAt !== undefined || this.nc.isClosed()) return;
    try {
      this.nc.publish(cancelSubject(this.host.app, ctx.service, ctx.method), reply);
    } catch (e) {
      this.host.logger.warn({ err: e, service: ctx.service }, "could not send a cancellation");
    }
  }

  /** Stops waiting for a call's reply. */
  private forget(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    stopWhenAborted(p.ctx, p);
    return p;
  }

  /** The subject of a method, checked and built once per method (not on every call). */
  private subjectOf(service: string, method: string): string {
    let methods = this.subjects.get(service);
    if (methods === undefined) {
      methods = new Map();
      this.subjects.set(service, methods);
    }
    let subject = methods.get(method);
    if (subject === undefined) {
      subject = methodSubject(this.host.app, service, method);
      methods.set(method, subject);
    }
    return subject;
  }

  private onReply(msg: Msg): void {
    const p = this.forget(replyToken(this.prefix, msg.subject));
    if (p === undefined) return; // the caller stopped waiting (deadline, cancel): a late reply
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
    for (const [id, p] of this.pending) if (p.deadline <= now) this.forget(id);
  }

  /**
   * Fails pending calls (all, or only idempotent ones) with UNAVAILABLE `CONNECTION_LOST`,
   * `mayHaveRun: true`: their requests or replies may have been lost with a connection or a
   * server, so their callers would otherwise wait until their deadlines.
   */
  failPending(reason: string, only: "all" | "idempotent" = "all"): void {
    for (const [id, p] of this.pending) {
      if (only === "idempotent" && !p.ctx.idempotent) continue;
      this.forget(id);
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
