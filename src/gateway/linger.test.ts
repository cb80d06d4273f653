/**
 * Refusing a body while the client is still sending it: the client reads the 413 instead of a
 * reset. Clients run in another process (fixtures/stream-client.ts), as real clients do — in one
 * process the server's close races differently. A client that never stops writing is still cut
 * off, and a request sent after the refused one on the same connection is not served.
 */
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type GatewayHarness, startGateway } from "./fixtures/harness.js";
import type { StreamClientOptions } from "./fixtures/stream-client.js";

const MIB = 1024 * 1024;
const TRIES = 20;
const CLIENT = join(import.meta.dirname, "fixtures", "stream-client.ts");

/** Runs the client in its own process; resolves with what each of its tries got. */
async function runClient(options: StreamClientOptions): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", CLIENT, JSON.stringify(options)],
    { timeout: 50_000 },
  );
  return JSON.parse(stdout) as string[];
}

/**
 * Opens a raw connection and collects what the server sends until it closes it. The connection
 * stays open for writing after the server's FIN, so only the server ends it.
 */
async function openRaw(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => {
    received += d;
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, closed, received: () => received };
}

/** A chunk of a chunked body. */
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

describe("gateway: a body refused while it is being sent", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ gateway: { bodyLimit: "1MiB" } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  for (const mode of ["fetch", "chunked", "length"] as const) {
    it(`answers 413 to a client in another process streaming 4 MiB (${mode}), every time`, {
      timeout: 60_000,
    }, async () => {
      const outcomes = await runClient({
        url: h.url,
        path: "/items",
        mode,
        tries: TRIES,
        bytes: 4 * MIB,
      });
      expect(outcomes).toEqual(Array(TRIES).fill("413 BODY_TOO_LARGE"));
      expect((await call(h.url, "/items/ok")).status).toBe(200);
    });
  }

  it("cuts off a client that keeps writing after the 413", { timeout: 20_000 }, async () => {
    const raw = await openRaw(h.url);
    raw.socket.write(
      `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    raw.socket.write(chunk(`{"id":"endless","name":"${"e".repeat(MIB)}`));
    let closed = false;
    raw.closed.then(() => {
      closed = true;
    });
    // Then a little more every 50 ms, for ever: only the gateway ends this.
    const writer = setInterval(() => raw.socket.write(chunk("e".repeat(1024))), 50);
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      raw.closed,
      new Promise<void>((resolve) => {
        bound = setTimeout(resolve, 10_000);
      }),
    ]);
    clearInterval(writer);
    clearTimeout(bound);
    const cutOff = closed;
    raw.socket.destroy();
    expect(cutOff).toBe(true);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw.received()).toContain('"reason":"BODY_TOO_LARGE"');
    expect(h.items.created).not.toContain("endless");
  });

  it("serves no request sent on the connection after the 413", async () => {
    const raw = await openRaw(h.url);
    const next = JSON.stringify({ id: "after", name: "a", qty: 1 });
    raw.socket.write(
      `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    raw.socket.write(chunk(`{"id":"big","name":"${"b".repeat(MIB)}"}`));
    const answered = () => raw.received().includes('"reason":"BODY_TOO_LARGE"');
    await new Promise<void>((resolve) => {
      const check = () => (answered() ? resolve() : raw.socket.once("data", check));
      check();
    });
    // The body's end, then a request on a connection the gateway said it closes.
    raw.socket.write(
      `0\r\n\r\nPOST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${next.length}\r\n\r\n${next}`,
    );
    raw.socket.end();
    await raw.closed;
    expect(raw.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(h.items.created).not.toContain("after");
  });
});
