/**
 * A NATS cluster losing a node under load: a private 3-node cluster, a server app and a client app
 * connected to different nodes, a load of idempotent calls, and the node under one of them killed
 * (SIGKILL) mid-load. No call may fail: the apps reconnect to surviving nodes and the idempotent
 * calls are retried within their deadline.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineApp, defineService, method } from "../../core/index.js";
import { retry } from "../../resilience/index.js";
import { type PrivateNats, startPrivateNats } from "../../testing/private-nats.js";
import { unreachable } from "../../testing/services.js";
import { uniqueName } from "../../testing/unique-name.js";
import { createEchoApp, echo } from "./fixtures/echo-app.js";
import {
  failureSummary,
  type NatsApp,
  runLoad,
  startNatsApp,
  stopNatsApps,
  waitFor,
} from "./fixtures/support.js";

const skip = await unreachable("nats");

/** Slow methods: one idempotent, one not. */
const slow = defineService("slow", {
  idem: method({ input: z.object({}), output: z.number(), idempotent: true }),
  once: method({ input: z.object({}), output: z.number() }),
});

const TOTAL = 2000;
const CONCURRENCY = 16;

describe.skipIf(skip)("NATS cluster: a node dies under load (private 3-node cluster)", () => {
  let nats: PrivateNats;

  beforeEach(async () => {
    nats = await startPrivateNats({ size: 3 });
  }, 60_000);

  afterEach(async () => {
    await stopNatsApps();
    await nats?.stop();
  }, 60_000);

  /** Index of the node an app's connection is on now. */
  function nodeOf(app: NatsApp): number {
    const server = app.transport.connection?.getServer() ?? "";
    const port = Number(server.split(":").at(-1));
    const i = nats.nodes.findIndex((n) => n.port === port);
    if (i < 0) throw new Error(`connected to ${server}, not a node of the cluster`);
    return i;
  }

  /**
   * The echo app's `back` group on one node (given every node's URL, so it can fail over) and a
   * client on another node (given that node's URL only: it learns the others from the cluster).
   */
  async function start() {
    const name = uniqueName("cluster");
    const retries: Record<string, number> = {};
    const server = await startNatsApp(createEchoApp(), { name, servers: nats.url, group: "back" });
    const serverNode = nodeOf(server);
    const clientNode = (serverNode + 1) % nats.nodes.length;
    const client = await startNatsApp(createEchoApp(), {
      name,
      servers: (nats.nodes[clientNode] as { url: string }).url,
      clientOnly: true,
      resilience: [
        retry({
          attempts: 1000,
          backoff: { initial: 20, max: 500 },
          onRetry: ({ error }) => {
            const key = String((error as { reason?: string }).reason);
            retries[key] = (retries[key] ?? 0) + 1;
          },
        }),
      ],
    });
    expect(nodeOf(client)).toBe(clientNode);
    const say = client.app.client(echo);
    // The cluster has formed and the server's subscription reached the client's node.
    await waitFor(
      async () => {
        try {
          await say.say({ text: "ready?" }, { timeout: "2s" });
          return true;
        } catch {
          return false;
        }
      },
      "a first call gets through the cluster",
      30_000,
    );
    for (const key of Object.keys(retries)) delete retries[key];
    return { server, client, serverNode, clientNode, retries, say };
  }

  async function killMidLoad(which: "server" | "client") {
    const s = await start();
    const victim = which === "server" ? s.serverNode : s.clientNode;
    const load = runLoad(TOTAL, CONCURRENCY, (i) =>
      s.say.say({ text: `call-${i}` }, { timeout: "8s" }),
    );
    await waitFor(() => load.done >= 300, "300 calls are done");
    await nats.kill(victim);
    const doneAtKill = load.done;
    const outcomes = await load.finished;
    const retried = Object.values(s.retries).reduce((a, b) => a + b, 0);
    const events = {
      client: s.client.transport.events,
      server: s.server.transport.events,
    };
    console.log(
      `killed the ${which}'s node (n${victim}) after ${doneAtKill}/${TOTAL} calls: ` +
        `failed ${JSON.stringify(failureSummary(outcomes))}, retries ${JSON.stringify(s.retries)}, ` +
        `events ${JSON.stringify(events)}; now server on n${nodeOf(s.server)}, client on n${nodeOf(s.client)}`,
    );
    expect(failureSummary(outcomes)).toEqual({});
    expect(outcomes.filter((o) => o.ok)).toHaveLength(TOTAL);
    const reconnects = (events.client.reconnect ?? 0) + (events.server.reconnect ?? 0);
    expect(retried + reconnects).toBeGreaterThan(0);
    expect(which === "server" ? events.server.reconnect : events.client.reconnect).toBeGreaterThan(
      0,
    );
    expect(nodeOf(which === "server" ? s.server : s.client)).not.toBe(victim);
  }

  it("loses no call when the callee's node is killed", async () => {
    await killMidLoad("server");
  }, 180_000);

  it("loses no call when the caller's node is killed", async () => {
    await killMidLoad("client");
  }, 180_000);

  it("resends idempotent calls in flight when a node dies; others wait for their answer", async () => {
    const name = uniqueName("cluster");
    const executions = { idem: 0, once: 0 };
    const definition = defineApp({
      name: "slow",
      services: [
        slow.implement({
          async idem() {
            executions.idem += 1;
            await new Promise((r) => setTimeout(r, 5000));
            return executions.idem;
          },
          async once() {
            executions.once += 1;
            await new Promise((r) => setTimeout(r, 5000));
            return executions.once;
          },
        }),
      ],
    });
    // Server and client both on n0 (no failover needed): n1 dies, a node neither of them uses.
    const first = (nats.nodes[0] as { url: string }).url;
    await startNatsApp(definition, { name, servers: first });
    const { app } = await startNatsApp(definition, { name, servers: first, clientOnly: true });
    const client = app.client(slow);
    const idem = client.idem({}, { timeout: "20s" });
    const once = client.once({}, { timeout: "20s" });
    await waitFor(() => executions.idem === 1 && executions.once === 1, "both calls run");
    await nats.kill(1);
    expect(await once).toBe(1);
    expect(await idem).toBeGreaterThanOrEqual(1);
    // The non-idempotent call ran once and was answered; the idempotent one was sent again.
    expect(executions.once).toBe(1);
    expect(executions.idem).toBe(2);
  }, 60_000);
});
