/**
 * The serving side: one queue subscription per local service. Each message is validated like any
 * input (context fields, then payload) before it reaches the app. Framed calls (Weft callers) get
 * framed answers; plain calls (context in NATS headers, e.g. from the `nats` CLI) get plain answers
 * with `Weft-Status` and `Weft-Responder` headers. Draining a subscription delivers what the
 * server already sent, then stops: calls taken in are served, none is dropped.
 *
 * Every replica also hears its services' cancellations (a plain subscription, not the queue):
 * the replica serving the call the message names aborts that handler's `ctx.signal`.
 */
import { hostname } from "node:os";
import {
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
  type Subscription,
} from "@nats-io/transport-node";
import {
  type CancelHandle,
  cancelled,
  errorToWire,
  invalidArgument,
  normalizeError,
  resourceExhausted,
  type TransportHost,
} from "../../core/index.js";
import { cancelWildcard, methodReader, serviceQueue, serviceSubject } from "../subjects.js";
import { decodeRequest, encodeResponse, isFramed, responderBytes } from "./frame.js";
import { fieldsFromHeaders, H, parseContext } from "./headers.js";

const RESPONDER = `${process.pid}@${hostname()}`;
const RESPONDER_BYTES = responderBytes(RESPONDER);

/** Serves the local services of one app over one connection. */
export class Responder {
  private readonly subscriptions: Subscription[] = [];
  private readonly cancellations: Subscription[] = [];
  /** Calls being served, by reply subject, to abort when their caller cancels. */
  private readonly serving = new Map<string, CancelHandle>();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly host: TransportHost,
  ) {}

  /** Subscribes every service; resolves when the server has registered the subscriptions. */
  async serve(services: readonly string[]): Promise<void> {
    const app = this.host.app;
    for (const service of services) {
      const methodOf = methodReader(app, service);
      const sub = this.nc.subscribe(serviceSubject(app, service), {
        queue: serviceQueue(app, service),
        callback: (_err, msg) => this.onCall(msg, service, methodOf(msg.subject)),
      });
      this.subscriptions.push(sub);
      this.cancellations.push(
        this.nc.subscribe(cancelWildcard(app, service), {
          callback: (_err, msg) => this.onCancel(msg),
        }),
      );
    }
    await this.nc.flush();
  }

  /** A caller cancelled a call: abort it if this replica is serving it. */
  private onCancel(msg: Msg): void {
    this.serving
      .get(this.decoder.decode(msg.data))
      ?.call?.abort(
        cancelled("CALL_CANCELLED", "the caller cancelled the call", { mayHaveRun: true }),
      );
  }

  private onCall(msg: Msg, service: string, method: string | undefined): void {
    const reply = msg.reply;
    if (reply === undefined || reply === "" || method === undefined) {
      this.host.logger.warn({ subject: msg.subject }, "dropped a call with no reply subject");
      return;
    }
    const framed = isFramed(msg.data);
    let started: Promise<unknown>;
    try {
      // The caller checks its own limit; this app's limit holds whoever sends (another app's
      // config, a raw client), as in one process.
      if (msg.data.length > this.host.maxPayload) {
        throw resourceExhausted(
          "PAYLOAD_TOO_LARGE",
          `the call to ${service}.${method} is ${msg.data.length} bytes; the limit is ${this.host.maxPayload}`,
          {
            metadata: {
              limit: "maxPayload",
              maxBytes: String(this.host.maxPayload),
              bytes: String(msg.data.length),
            },
            mayHaveRun: false,
            retryable: false,
          },
        );
      }
      const { context, payload } = framed
        ? decodeRequest(msg.data)
        : { context: fieldsFromHeaders(msg.headers), payload: msg.data };
      const headers = parseContext(context, service, method, this.host.app, this.host.principalKey);
      let input: unknown;
      try {
        input = this.host.codec.decode(payload);
      } catch {
        throw invalidArgument(
          "MALFORMED_PAYLOAD",
          `the payload of ${service}.${method} is not valid ${this.host.codec.contentType}`,
        );
      }
      const cancel: CancelHandle = {};
      this.serving.set(reply, cancel);
      started = this.host.accept(headers, input, { admitted: true, cancel });
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      (output) => {
        this.serving.delete(reply);
        this.answer(msg, framed, service, method, output);
      },
      (error: unknown) => {
        this.serving.delete(reply);
        this.reply(msg, framed, false, errorToWire(error));
      },
    );
  }

  private answer(
    msg: Msg,
    framed: boolean,
    service: string,
    method: string,
    output: unknown,
  ): void {
    let data: Uint8Array;
    try {
      data = this.host.codec.encode(output);
    } catch (e) {
      this.reply(msg, framed, false, errorToWire(normalizeError(e).with({ mayHaveRun: true })));
      return;
    }
    const limit = Math.min(
      this.host.maxPayload,
      this.nc.info?.max_payload ?? Number.POSITIVE_INFINITY,
    );
    if (data.length + 3 + RESPONDER_BYTES.length > limit) {
      const error = resourceExhausted(
        "PAYLOAD_TOO_LARGE",
        `output of ${service}.${method} is ${data.length} bytes; the limit is ${limit}`,
        {
          metadata: { limit: "maxPayload", maxBytes: String(limit), bytes: String(data.length) },
          mayHaveRun: true,
          retryable: false,
        },
      );
      this.reply(msg, framed, false, errorToWire(error));
      return;
    }
    this.send(msg, framed, true, data);
  }

  private reply(msg: Msg, framed: boolean, ok: boolean, value: unknown): void {
    this.send(msg, framed, ok, this.host.codec.encode(value));
  }

  private send(msg: Msg, framed: boolean, ok: boolean, data: Uint8Array): void {
    try {
      if (framed) {
        msg.respond(encodeResponse(ok, RESPONDER_BYTES, data));
      } else {
        const h: MsgHdrs = natsHeaders();
        h.set(H.status, ok ? "ok" : "error");
        h.set(H.responder, RESPONDER);
        msg.respond(data, { headers: h });
      }
    } catch (e) {
      // The connection closed under us; the caller sees its deadline or a lost connection.
      this.host.logger.warn({ err: e, subject: msg.subject }, "could not send an answer");
    }
  }

  /** Stops taking new calls: the server stops sending, buffered calls are still delivered. */
  async drain(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((s) => s.drain()));
    this.subscriptions.length = 0;
    // Cancellations are still heard while the calls taken in finish; the connection's drain
    // ends them.
  }
}
