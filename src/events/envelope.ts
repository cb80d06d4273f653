/** An event as the relay, the brokers and the consumers pass it around. */
export interface EventEnvelope {
  /** The event id: outbox key, broker dedupe id, inbox key. */
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  /** The event as JSON text (validated when published, and again when consumed). */
  readonly payload: string;
  /** The publisher's trace position, so handlers continue its trace. */
  readonly traceparent: string | undefined;
  /** Epoch ms of the publish. */
  readonly publishedAt: number;
  /** Set on redrives: only this consumer handles the event; others skip it. */
  readonly target?: string;
}
