/**
 * Pipelined requests over one raw connection (RFC 9112 §9.3.2): requests that change data run in
 * the order they were sent — a `DELETE` with no body never overtakes the `POST` sent before it —
 * and every answer comes back in order.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHarness, startGateway } from "./fixtures/harness.js";

/** Writes `requests` at once on one connection; resolves with the statuses of the answers. */
function pipeline(url: string, requests: string[]): Promise<number[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(requests.join(""));
    });
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      received += d;
      const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      if (statuses.length === requests.length) {
        socket.destroy();
        resolve(statuses);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`closed after: ${received}`)));
  });
}

/** One request's text, with a JSON body when `body` is given. */
function request(method: string, target: string, host: string, body?: unknown): string {
  const text = body === undefined ? "" : JSON.stringify(body);
  const head = [`${method} ${target} HTTP/1.1`, `host: ${host}`];
  if (body !== undefined) {
    head.push("content-type: application/json", `content-length: ${Buffer.byteLength(text)}`);
  }
  return `${head.join("\r\n")}\r\n\r\n${text}`;
}

describe("gateway: pipelined requests", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("runs a pipelined POST, GET, DELETE, GET in the order sent", async () => {
    const host = new URL(h.url).host;
    for (let i = 0; i < 3; i++) {
      const id = `piped-${i}`;
      const statuses = await pipeline(h.url, [
        request("POST", "/items", host, { id, name: "n", qty: 1 }),
        request("GET", `/items/${id}`, host),
        request("DELETE", `/items/${id}`, host),
        request("GET", `/items/${id}`, host),
      ]);
      expect(statuses).toEqual([201, 200, 204, 200]);
      expect(h.items.calls.filter((c) => c.endsWith(` ${id}`))).toEqual([
        `create ${id}`,
        `remove ${id}`,
      ]);
    }
  });

  it("answers pipelined safe requests, in order", async () => {
    const host = new URL(h.url).host;
    const statuses = await pipeline(
      h.url,
      ["a", "b", "c"].map((id) => request("GET", `/items/${id}`, host)),
    );
    expect(statuses).toEqual([200, 200, 200]);
  });
});
