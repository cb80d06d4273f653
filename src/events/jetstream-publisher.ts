/**
 * Publishes to JetStream with asynchronous acknowledgements: every message of a batch goes out at
 * once with a reply subject of one shared subscription, and the batch resolves when the stream has
 * acknowledged each (or fails at the first refusal, or when `timeoutMs` passes). Unlike one
 * `js.publish` per message, no request object, timer or error object is made per message.
 * Repeats are still dropped by the server through `Nats-Msg-Id`.
 */
import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import { unavailable } from "../core/index.js";
import { inboxPrefix, replySubject, replyToken, replyWildcard } from "../transport/subjects.js";

/** One message to publish. */
export interface OutgoingMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

const decoder = new TextDecoder();

/** Publishes batches on one connection, matching acknowledgements by reply subject. */
export class JetStreamPublisher {
  /** An inbox of the app's own (see the subject registry). */
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiter>();
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
    app: string,
  ) {
    this.prefix = createInbox(inboxPrefix(app));
    nc.subscribe(replyWildcard(this.prefix), {
      callback: (_error, msg) => this.acknowledged(msg),
    });
  }

  private acknowledged(msg: Msg): void {
    const id = replyToken(this.prefix, msg.subject);
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return;
    this.waiting.delete(id);
    if (msg.data.length === 0) {
      // A status message: 503 when no stream takes the subject.
      waiter.reject(
        unavailable(
          "EVENT_STREAM_UNAVAILABLE",
          `no JetStream stream took the event (status ${msg.headers?.code ?? "unknown"})`,
        ),
      );
      return;
    }
    let ack: { error?: { description?: string; code?: number } };
    try {
      ack = JSON.parse(decoder.decode(msg.data));
    } catch {
      waiter.reject(
        unavailable("EVENT_STREAM_UNAVAILABLE", "unreadable JetStream acknowledgement"),
      );
      return;
    }
    if (ack.error === undefined) waiter.resolve();
    else
      waiter.reject(
        unavailable(
          "EVENT_STREAM_REFUSED",
          `JetStream refused the event: ${ack.error.description ?? "no reason given"} (${ack.error.code ?? "?"})`,
        ),
      );
  }

  /** Publishes `messages`; resolves once the stream holds every one of them. */
  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    const ids: string[] = [];
    const acks = messages.map(
      (m) =>
        new Promise<void>((resolve, reject) => {
          const id = (this.next++).toString(36);
          ids.push(id);
          this.waiting.set(id, { resolve, reject });
          this.nc.publish(m.subject, m.data, {
            reply: replySubject(this.prefix, id),
            headers: m.headers,
          });
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            unavailable(
              "EVENT_STREAM_TIMEOUT",
              `JetStream did not acknowledge ${messages.length} event(s) within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all(acks), late]);
    } finally {
      clearTimeout(timer);
      for (const id of ids) this.waiting.delete(id);
    }
  }
}
