/**
 * LISTEN/NOTIFY on one dedicated connection per store. When the connection drops it reconnects
 * with backoff, re-LISTENs every channel, and only then calls each subscriber's `onReconnect`:
 * notifications sent while it was down are lost, so the caller runs its catch-up query there.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Client, Notification } from "pg";
import type { WeftError } from "../../core/index.js";
import { exponentialBackoff } from "../../resilience/backoff.js";
import { assertIdentifier, sql } from "../sql.js";
import { mapPgError } from "./errors.js";

/** Waits between reconnects: 100 ms doubling up to 5 s, each between half and all of that. */
const reconnectBackoff = exponentialBackoff({ initial: 100, max: 5000, jitter: "equal" });

/** Options of `listen`. */
export interface ListenOptions {
  /** Called after the connection came back and LISTEN is active again: run a catch-up query. */
  readonly onReconnect?: () => void;
}

interface Subscription {
  readonly onNotify: (payload: string) => void;
  readonly onReconnect: (() => void) | undefined;
}

const quoted = (channel: string) => sql.ident(channel).strings[0] as string;

/** The listening connection of one PostgreSQL store. */
export class Listener {
  private readonly channels = new Map<string, Set<Subscription>>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly newClient: () => Client,
    private readonly onError: (error: WeftError) => void,
  ) {}

  /** Subscribes to `channel`; resolves once LISTEN is active, with a function that unsubscribes. */
  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    options: ListenOptions = {},
  ): Promise<() => Promise<void>> {
    assertIdentifier(channel, "channel");
    const sub: Subscription = { onNotify, onReconnect: options.onReconnect };
    let subs = this.channels.get(channel);
    const first = subs === undefined;
    if (subs === undefined) {
      subs = new Set();
      this.channels.set(channel, subs);
    }
    subs.add(sub);
    try {
      if (this.client === undefined) await this.connect();
      // LISTEN is idempotent: repeat it in case a reconnect read the channel list before us.
      if (first) await this.client?.query(`LISTEN ${quoted(channel)}`);
    } catch (e) {
      subs.delete(sub);
      if (subs.size === 0) this.channels.delete(channel);
      throw mapPgError(e);
    }
    return async () => {
      subs.delete(sub);
      if (subs.size > 0 || this.channels.get(channel) !== subs) return;
      this.channels.delete(channel);
      await this.client?.query(`UNLISTEN ${quoted(channel)}`).catch(() => {});
    };
  }

  /** Connects (once at a time) and LISTENs to every channel. */
  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const client = this.newClient();
      client.on("error", () => {}); // reported through "end" below
      client.on("notification", (n: Notification) => this.dispatch(n));
      try {
        await client.connect();
        const statements = [...this.channels.keys()].map((c) => `LISTEN ${quoted(c)}`);
        if (statements.length > 0) await client.query(statements.join("; "));
      } catch (e) {
        client.end().catch(() => {});
        throw e;
      }
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      client.once("end", () => this.lost(client));
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private dispatch(n: Notification): void {
    for (const sub of this.channels.get(n.channel) ?? []) {
      try {
        sub.onNotify(n.payload ?? "");
      } catch {
        // A subscriber's failure is its own; others still get the notification.
      }
    }
  }

  /** The connection ended: reconnect with backoff until it works or the store closes. */
  private async lost(client: Client): Promise<void> {
    if (this.client !== client) return;
    this.client = undefined;
    for (let attempt = 0; !this.closed; attempt++) {
      await sleep(reconnectBackoff(attempt + 1));
      if (this.closed) return;
      try {
        await this.connect();
        break;
      } catch (e) {
        this.onError(mapPgError(e));
      }
    }
    if (this.closed) return;
    for (const subs of this.channels.values()) {
      for (const sub of subs) {
        try {
          sub.onReconnect?.();
        } catch {
          // As above: one subscriber's failure does not stop the others.
        }
      }
    }
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => {});
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
