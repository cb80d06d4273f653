/**
 * What a Weft service does with whatever arrives on its subject: messages published with a raw
 * NATS connection (as another client, the `nats` CLI or an attacker on the bus would send them).
 * Bad bytes and bad headers get a structured error naming what is wrong, a forged principal gets
 * UNAUTHENTICATED, plain JSON with NATS headers is served, and the service keeps serving.
 */
import {
  connect,
  type Msg,
  type NatsConnection,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorFromWire, jsonCodec, signPrincipal, type WeftError } from "../../core/index.js";
import { unreachable } from "../../testing/services.js";
import { uniqueName } from "../../testing/unique-name.js";
import { createEchoApp, echo } from "./fixtures/echo-app.js";
import { createProbeApp } from "./fixtures/probe-app.js";
import { SHARED_NATS, startNatsApp, stopNatsApps, waitFor } from "./fixtures/support.js";
import { decodeResponse, encodeRequest } from "./frame.js";
import { appSubjects, inboxPrefix, NATS_HEADERS } from "./index.js";

const skip = await unreachable("nats");

const KEY = "principal-key-for-wire-tests-0123456789";
const ORDER = '{"customer":"c","items":[{"sku":"a","qty":1}]}';

/** An answer read the way its sender would: framed or plain, ok or a Weft error. */
interface Answer {
  framed: boolean;
  ok: boolean;
  value: unknown;
  error: WeftError | undefined;
  responder: string | undefined;
}

function read(msg: Msg): Answer {
  const framed = decodeResponse(msg.data);
  if (framed !== undefined) {
    const value = jsonCodec.decode(framed.payload);
    return {
      framed: true,
      ok: framed.ok,
      value,
      error: framed.ok ? undefined : errorFromWire(value),
      responder: framed.responder,
    };
  }
  const ok = msg.headers?.get(NATS_HEADERS.status) === "ok";
  const value = jsonCodec.decode(msg.data);
  return {
    framed: false,
    ok,
    value,
    error: ok ? undefined : errorFromWire(value),
    responder: msg.headers?.get(NATS_HEADERS.responder),
  };
}

describe.skipIf(skip)("NATS wire: raw messages on a service subject", () => {
  let nc: NatsConnection;
  /** The echo app with a principal key, and the probe app without one. */
  let keyed: { name: string; subject: string; call: (text: string) => Promise<unknown> };
  let keyless: { name: string; subject: string };

  beforeAll(async () => {
    nc = await connect({ servers: SHARED_NATS });
    const name = uniqueName("wire");
    await startNatsApp(createEchoApp(), {
      name,
      servers: SHARED_NATS,
      group: "back",
      config: { principalKey: KEY },
    });
    const { app } = await startNatsApp(createEchoApp(), {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
      config: { principalKey: KEY },
    });
    keyed = {
      name,
      subject: `weft.${name}.echo.say`,
      call: (text) => app.client(echo).say({ text }),
    };
    const bare = uniqueName("wire_nokey");
    await startNatsApp(createProbeApp(), { name: bare, servers: SHARED_NATS, group: "back" });
    keyless = { name: bare, subject: `weft.${bare}.probe.order` };
  });

  afterAll(async () => {
    await nc?.close();
    await stopNatsApps();
  });

  const request = async (
    subject: string,
    data: Uint8Array | string,
    headers?: Record<string, string>,
  ): Promise<Answer> => {
    let h: ReturnType<typeof natsHeaders> | undefined;
    if (headers !== undefined) {
      h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
    }
    const msg = await nc.request(subject, data, {
      timeout: 15_000,
      ...(h === undefined ? {} : { headers: h }),
    });
    return read(msg);
  };

  it("answers framed garbage (first byte 0x00) with INVALID_ARGUMENT MALFORMED_FRAME", async () => {
    for (const bytes of [
      [0, 9, 9, 9, 1, 2],
      [0, 1, 0xff, 0xff, 0x7b],
      [0, 1, 0, 2, 0xc3, 0x28],
      [0, 1, 0, 0],
    ]) {
      const answer = await request(keyed.subject, new Uint8Array(bytes));
      expect(answer.framed).toBe(true);
      expect(answer.error).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "MALFORMED_FRAME",
        mayHaveRun: false,
      });
    }
  });

  it("answers a plain payload that is not JSON with INVALID_ARGUMENT MALFORMED_PAYLOAD", async () => {
    for (const data of ["not json", "{", "\u0001\u0002", new Uint8Array([0xff, 0xfe])]) {
      const answer = await request(keyed.subject, data);
      expect(answer.framed).toBe(false);
      expect(answer.error).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "MALFORMED_PAYLOAD",
        mayHaveRun: false,
      });
    }
  });

  it("answers a framed call whose payload is not JSON with MALFORMED_PAYLOAD", async () => {
    const frame = encodeRequest(
      { timeoutMs: "5000", traceparent: "", principal: "", metadata: "" },
      new TextEncoder().encode("{nope"),
    );
    const answer = await request(keyed.subject, frame);
    expect(answer.framed).toBe(true);
    expect(answer.error).toMatchObject({ code: "INVALID_ARGUMENT", reason: "MALFORMED_PAYLOAD" });
  });

  it.each([
    [NATS_HEADERS.timeout, "abc"],
    [NATS_HEADERS.timeout, "1e3"],
    [NATS_HEADERS.timeout, "5.5"],
    [NATS_HEADERS.metadata, "[1,2]"],
    [NATS_HEADERS.metadata, '{"n":1}'],
    [NATS_HEADERS.metadata, "{not json"],
  ])(
    "answers a plain call with %s: %s with INVALID_ARGUMENT naming the header",
    async (header, value) => {
      const answer = await request(keyed.subject, '{"text":"hi"}', { [header]: value });
      expect(answer.error).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "BAD_HEADER",
        mayHaveRun: false,
        metadata: { header },
      });
      expect(answer.error?.issues).toEqual([
        { path: ["headers", header], message: expect.any(String) },
      ]);
      expect(answer.error?.message).toContain(header);
    },
  );

  it.each(["0", "-5", "-0"])(
    "answers a call whose %s ms are left with DEADLINE_EXCEEDED, without running it",
    async (value) => {
      const answer = await request(keyed.subject, '{"text":"late"}', {
        [NATS_HEADERS.timeout]: value,
      });
      expect(answer.error).toMatchObject({ code: "DEADLINE_EXCEEDED", mayHaveRun: false });
    },
  );

  it.each(["999999999999", "99999999999999999999"])(
    "cuts a deadline of %s ms to the app's maxCallTimeout (5 min by default)",
    async (value) => {
      const answer = await request(keyed.subject, '{"text":"patient"}', {
        [NATS_HEADERS.timeout]: value,
      });
      expect(answer).toMatchObject({ ok: true });
      const { remainingMs } = answer.value as { remainingMs: number };
      expect(remainingMs).toBeGreaterThan(0);
      expect(remainingMs).toBeLessThanOrEqual(300_000);
    },
  );

  it("answers a Weft caller under its app's own inbox prefix", async () => {
    const replies: string[] = [];
    const sub = nc.subscribe(appSubjects(keyed.name).replies, {
      callback: (_err, msg) => {
        replies.push(msg.subject);
      },
    });
    await nc.flush();
    try {
      await keyed.call("inbox");
      await waitFor(() => replies.length > 0, "the reply is seen under the app's inbox prefix");
      expect(replies[0]?.startsWith(`${inboxPrefix(keyed.name)}.`)).toBe(true);
    } finally {
      sub.unsubscribe();
    }
  });

  it("refuses a principal signed with the wrong key with UNAUTHENTICATED", async () => {
    const forged = signPrincipal(
      { id: "admin" },
      "wrong-key-wrong-key-wrong-key-wrong",
      keyed.name,
      60_000,
    );
    const plain = await request(keyed.subject, '{"text":"hi"}', {
      [NATS_HEADERS.principal]: forged,
    });
    expect(plain.error).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "PRINCIPAL_INVALID",
      mayHaveRun: false,
    });
    const framed = await request(
      keyed.subject,
      encodeRequest(
        { timeoutMs: "", traceparent: "", principal: forged, metadata: "" },
        jsonCodec.encode({ text: "hi" }),
      ),
    );
    expect(framed.error).toMatchObject({ code: "UNAUTHENTICATED", reason: "PRINCIPAL_INVALID" });
  });

  it("refuses a principal signed for another app, or one that is not a token", async () => {
    const elsewhere = signPrincipal({ id: "u" }, KEY, "some-other-app", 60_000);
    for (const token of [elsewhere, "garbage", "a.b.c", ""]) {
      if (token === "") continue;
      const answer = await request(keyed.subject, '{"text":"hi"}', {
        [NATS_HEADERS.principal]: token,
      });
      expect(answer.error).toMatchObject({ code: "UNAUTHENTICATED" });
    }
  });

  it("refuses any principal with UNAUTHENTICATED when the app has no principal key", async () => {
    const token = signPrincipal({ id: "admin" }, KEY, keyless.name, 60_000);
    const answer = await request(keyless.subject, ORDER, { [NATS_HEADERS.principal]: token });
    expect(answer.error).toMatchObject({ code: "UNAUTHENTICATED", reason: "PRINCIPAL_INVALID" });
  });

  it("serves a plain JSON call with NATS headers, as the nats CLI sends it", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const answer = await request(keyed.subject, '{"text":"from the cli"}', {
      [NATS_HEADERS.timeout]: "5000",
      [NATS_HEADERS.traceparent]: traceparent,
      [NATS_HEADERS.metadata]: '{"tenant":"t1"}',
    });
    expect(answer).toMatchObject({ framed: false, ok: true });
    expect(answer.value).toMatchObject({ text: "from the cli", pid: process.pid, aborted: false });
    const { remainingMs } = answer.value as { remainingMs: number };
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(5000);
    expect(answer.responder).toBe(`${process.pid}@${(await import("node:os")).hostname()}`);
  });

  it("serves a plain JSON call with no headers at all", async () => {
    const answer = await request(keyless.subject, ORDER);
    expect(answer).toMatchObject({ framed: false, ok: true, value: { lines: 1 } });
  });

  it("answers a plain call with an invalid input with INVALID_ARGUMENT naming the field", async () => {
    const answer = await request(keyed.subject, '{"text":5}');
    expect(answer.error).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INPUT_INVALID" });
    expect(answer.error?.issues.map((i) => i.path)).toEqual([["text"]]);
  });

  it("answers every random message with an answer, never a crash or silence", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => new Uint8Array([0, ...b])),
          fc.jsonValue().map((v) => jsonCodec.encode(v)),
        ),
        async (data) => {
          const answer = await request(keyed.subject, data);
          if (!answer.ok) {
            expect(["INVALID_ARGUMENT", "UNAUTHENTICATED"]).toContain(answer.error?.code);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps serving normal calls after all of that", async () => {
    expect(await keyed.call("still here")).toMatchObject({ text: "still here", aborted: false });
  });
});
