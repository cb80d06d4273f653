/**
 * The NATS transport: calls between processes over NATS request/reply. Each service's replicas
 * form a queue group (discovery and load balancing come from NATS, no registry), subjects are
 * namespaced by app, the call context travels in headers, errors in Weft's wire form. One
 * connection per process, one reply subscription, a correlation map.
 *
 * Remote semantics, honestly: a call can fail after the callee ran (`mayHaveRun: true`); no
 * responders is UNAVAILABLE at once (`mayHaveRun: false`); while disconnected, calls fail fast
 * with UNAVAILABLE `NOT_CONNECTED` (logged, and the connection keeps reconnecting); when a server
 * of the cluster is lost, idempotent calls in flight fail with UNAVAILABLE (`mayHaveRun: true`) so
 * retries resend them; a cancelled call is cancelled at the replica serving it. Subjects come
 * from the subject registry (`../subjects.ts`); replies use the app's own inbox prefix.
 *
 * @example
 * ```ts
 * import { createNatsTransport } from "weft/transport/nats";
 * const app = createApp(shop, { group: "orders", transport: createNatsTransport({ servers: "nats://127.0.0.1:4222" }) });
 * ```
 * (`createApp` from `weft` does this by itself when `WEFT_NATS_URL` is set.)
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Logger, type Transport, type TransportHost, unavailable } from "../../core/index.js";
import { Caller, type CallObservation } from "./caller.js";
import type { NatsAuthConfig } from "./config.js";
import { connectionOptions } from "./connection.js";
import { Responder } from "./responder.js";

export {
  type AppSubjects,
  appSubjects,
  cancelSubject,
  eventSubject,
  inboxPrefix,
  methodSubject,
  serviceQueue,
  serviceSubject,
  streamName,
} from "../subjects.js";
export type { CallObservation } from "./caller.js";
export { NATS_CONFIG, type NatsAuthConfig, type NatsConfig } from "./config.js";
export { H as NATS_HEADERS } from "./headers.js";

/** Options of {@link createNatsTransport}. */
export interface NatsTransportOptions {
  /** Server URLs (`nats://host:port`), as a list or comma-separated. */
  servers: string | readonly string[];
  /** Credentials and TLS. */
  auth?: Partial<NatsAuthConfig>;
  /** Connection name shown by the server. Default `weft:<app>`. */
  name?: string;
  /** Told who answered each call (process and time); for tests and topology. */
  observer?: (observation: CallObservation) => void;
  /** Told about connection events (disconnect, reconnect, …). */
  onStatus?: (status: { type: string }) => void;
}

/** A NATS transport, with its connection exposed for health checks. */
export interface NatsTransport extends Transport {
  /** The connection, once serving. */
  readonly connection: NatsConnection | undefined;
  /** Connection events seen so far, by type (e.g. `reconnect`). */
  readonly events: Readonly<Record<string, number>>;
  /** True while connected to a NATS server (false before start, while reconnecting, after close). */
  readonly connected: boolean;
}

/** Creates the NATS transport of one app. It connects when the app starts. */
export function createNatsTransport(options: NatsTransportOptions): NatsTransport {
  let nc: NatsConnection | undefined;
  let caller: Caller | undefined;
  let responder: Responder | undefined;
  const events: Record<string, number> = {};

  const watch = async (conn: NatsConnection, logger: Logger) => {
    for await (const status of conn.status()) {
      events[status.type] = (events[status.type] ?? 0) + 1;
      options.onStatus?.({ type: status.type });
      // Logged at the default level: while disconnected every remote call fails.
      if (status.type === "disconnect") {
        logger.warn(
          { server: status.server },
          "lost the connection to NATS; remote calls fail with NOT_CONNECTED until it is back",
        );
      } else if (status.type === "reconnect") {
        logger.info({ server: status.server }, "reconnected to NATS");
      }
      if (caller === undefined) continue;
      if (status.type === "disconnect") {
        caller.disconnected();
      } else if (status.type === "reconnect") {
        caller.reconnected();
      } else if (status.type === "update" && (status.deleted?.length ?? 0) > 0) {
        // A server left the cluster: calls routed through it (to a callee connected there) are
        // lost without a word, and nothing else would tell. Idempotent ones fail now so that
        // retries resend them; the others keep waiting, as their answers may still come.
        caller.failPending("a NATS server of the cluster was lost", "idempotent");
      }
    }
  };

  return {
    name: "nats",
    get connection() {
      return nc;
    },
    events,
    get connected() {
      return nc !== undefined && !nc.isClosed() && caller?.connected === true;
    },
    async serve(host: TransportHost, services: readonly string[]) {
      nc = await connect(
        connectionOptions(
          options.servers,
          options.auth,
          options.name ?? `weft:${host.app}`,
          host.app,
        ),
      );
      void watch(nc, host.logger);
      caller = new Caller(nc, host, options.observer);
      responder = new Responder(nc, host);
      await responder.serve(services);
    },
    call(ctx, input) {
      if (caller === undefined) {
        return Promise.reject(
          unavailable(
            "NOT_CONNECTED",
            `${ctx.service}.${ctx.method}: the NATS transport is not started`,
          ),
        );
      }
      return caller.call(ctx, input);
    },
    async stopIntake() {
      await responder?.drain();
    },
    async close() {
      const conn = nc;
      nc = undefined;
      if (conn === undefined) return;
      await responder?.drain();
      caller?.close();
      caller = undefined;
      try {
        await conn.drain();
      } catch {
        await conn.close();
      }
    },
  };
}
