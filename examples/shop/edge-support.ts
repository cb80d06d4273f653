/**
 * What the shop's edge tests use to talk to a running shop the way abusive clients do: raw sockets
 * (a head alone, bytes trickled slower than the gateway's time limits, a body far over its size
 * limit sent without pause), bearer tokens signed by an RSA key of the test's own, and each
 * process's admin API for the spans it recorded.
 *
 * @example
 * ```ts
 * const issuer = createTestIssuer();
 * const { status } = await fetch(`${url}/loyalty/ada`, { headers: bearer(await issuer.token()) });
 * const big = await rawExchange(url, head(url, "POST", "/checkout", { "content-length": "9999999" }));
 * ```
 */
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { SignJWT } from "jose";
import type { SpanView } from "weft/observe";
import { LOYALTY_READ } from "./gateway.js";

/** The issuer and audience the edge tests configure (`WEFT_JWT_ISSUER`, `WEFT_JWT_AUDIENCE`). */
export const TEST_TOKENS = { issuer: "https://auth.shop.test", audience: "weft-shop" } as const;

/** What a test token may change: claims, header, issuer, audience, lifetime, signing key. */
export interface TokenEdits {
  /** Claims besides the registered ones. Default `{ scope: "loyalty:read" }`. */
  claims?: Record<string, unknown>;
  /** The `sub` claim, of any JSON type (`null` leaves it out). Default `"staff-1"`. */
  subject?: unknown;
  issuer?: string;
  audience?: string;
  /** Expiry, epoch seconds. Default: in 5 minutes. */
  exp?: number;
  /** `alg` and the key it signs with. Default RS256 with the issuer's private key. */
  alg?: string;
  key?: KeyObject | Uint8Array;
}

/** An RSA key pair standing in for an identity provider; the shop gets its public key. */
export interface TestIssuer {
  /** The public key as PEM (SPKI): `WEFT_JWT_PUBLIC_KEY`. */
  readonly publicPem: string;
  /** Signs a token for subject `staff-1`, changed by `edits`. */
  token(edits?: TokenEdits): Promise<string>;
}

/** Makes an issuer with a fresh 2048-bit RSA key. */
export function createTestIssuer(): TestIssuer {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    token(edits = {}) {
      const subject = "subject" in edits ? edits.subject : "staff-1";
      const claims = { ...(edits.claims ?? { scope: LOYALTY_READ }) };
      if (subject !== null) claims.sub = subject;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: edits.alg ?? "RS256" })
        .setIssuer(edits.issuer ?? TEST_TOKENS.issuer)
        .setAudience(edits.audience ?? TEST_TOKENS.audience)
        .setIssuedAt()
        .setExpirationTime(edits.exp ?? Math.floor(Date.now() / 1000) + 300)
        .sign(edits.key ?? privateKey);
    },
  };
}

/** An `Authorization` header carrying `token`. */
export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

/** A fresh W3C trace context: the trace id the request's spans must carry, if any are made. */
export function newTraceparent(): { traceparent: string; traceId: string } {
  const traceId = randomBytes(16).toString("hex");
  return { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`, traceId };
}

/** An answer read off a raw socket. */
export interface RawReply {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Parses what a server sent on a raw socket; status 0 when it sent nothing. */
export function parseReply(text: string): RawReply {
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: end === -1 ? "" : text.slice(end + 4),
  };
}

/** A request head for `url`'s host, ending with the blank line. */
export function head(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${new URL(url).host}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** Opens a raw connection to the server at `url`. */
export function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Collects what the server sends on `socket` until it closes the connection. */
function collect(socket: Socket): { text(): string; closed: Promise<void>; isClosed(): boolean } {
  let received = "";
  let closed = false;
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => {
    received += d;
  });
  // A server that answers early and closes makes our later writes fail: that is expected here.
  socket.on("error", () => {});
  const done = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  return { text: () => received, closed: done, isClosed: () => closed };
}

/**
 * Sends `request` on a new connection and resolves with the answer once the server closed the
 * connection (it does after refusing a request). The request is sent whole and nothing more.
 */
export async function rawExchange(url: string, request: string): Promise<RawReply> {
  const socket = await open(url);
  const conversation = collect(socket);
  socket.write(request);
  await conversation.closed;
  return parseReply(conversation.text());
}

/** A piece of a large JSON-looking body: 64 KiB, the start of an object with one long string. */
const UPLOAD_PIECE = new TextEncoder().encode(`{"note":"${"u".repeat(64 * 1024 - 9)}`);

/**
 * Sends the head `request`, then `bytes` of body without pausing (as chunks when the head says
 * `Transfer-Encoding: chunked`), the way an upload does, reading the answer meanwhile; resolves with
 * it once the server closed the connection. A server that refuses the body early must still let
 * the client read its answer: a reset instead leaves the reply with status 0.
 */
export async function rawUpload(url: string, request: string, bytes: number): Promise<RawReply> {
  const socket = await open(url);
  const conversation = collect(socket);
  const chunked = /^transfer-encoding:\s*chunked\r?$/im.test(request);
  const piece = chunked
    ? Buffer.concat([
        Buffer.from(`${UPLOAD_PIECE.length.toString(16)}\r\n`),
        UPLOAD_PIECE,
        Buffer.from("\r\n"),
      ])
    : UPLOAD_PIECE;
  let failed = false;
  socket.once("error", () => {
    failed = true;
  });
  socket.write(request);
  for (let sent = 0; sent < bytes && !conversation.isClosed() && !failed; ) {
    sent += UPLOAD_PIECE.length;
    if (!socket.write(piece)) {
      await new Promise<void>((resolve) => {
        socket.once("drain", resolve);
        socket.once("close", resolve);
      });
    }
  }
  if (chunked && !conversation.isClosed() && !failed) socket.write("0\r\n\r\n");
  await conversation.closed;
  return parseReply(conversation.text());
}

/** A body of about `bytes` bytes that `fetch` sends as it reads it (chunked), 64 KiB at a time. */
export function uploadStream(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) controller.close();
      else {
        controller.enqueue(UPLOAD_PIECE);
        sent += UPLOAD_PIECE.length;
      }
    },
  });
}

/** What {@link trickle} saw. */
export interface Trickled {
  /** The server closed the connection before the text ran out. */
  readonly cutOff: boolean;
  /** Characters written before that. */
  readonly sent: number;
  readonly reply: RawReply;
}

/**
 * Writes `text` one character every `everyMs` on a connection already open, until the server
 * closes it or the text runs out; then closes it from this side.
 */
export async function trickle(socket: Socket, text: string, everyMs: number): Promise<Trickled> {
  const conversation = collect(socket);
  let sent = 0;
  while (!conversation.isClosed() && sent < text.length) {
    socket.write(text[sent] as string);
    sent++;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const cutOff = conversation.isClosed();
  socket.destroy();
  await conversation.closed;
  return { cutOff, sent, reply: parseReply(conversation.text()) };
}

/** The spans one process recorded of a trace, read through its admin API; [] when it has none. */
export async function spansIn(admin: string, traceId: string): Promise<SpanView[]> {
  const response = await fetch(`${admin}/api/traces/${traceId}`);
  const body = (await response.json()) as { spans?: SpanView[]; reason?: string };
  if (response.status === 404 && body.reason === "TRACE_NOT_FOUND") return [];
  if (!response.ok || body.spans === undefined) {
    throw new Error(`${admin}/api/traces/${traceId} answered ${response.status}: ${body.reason}`);
  }
  return body.spans;
}

/** An answer read whole through `fetch`. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  /** The JSON body; undefined when empty. */
  readonly body: Record<string, unknown> | undefined;
}

/** Sends a request with `fetch` and reads the answer whole; a stream body is sent as it is read. */
export async function send(
  url: string,
  method: string,
  path: string,
  options: {
    headers?: Record<string, string>;
    body?: string | Uint8Array | ReadableStream<Uint8Array>;
  } = {},
): Promise<Reply> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: options.headers,
    body: options.body,
    // A stream is sent as it is read, while the answer may already come back.
    ...(options.body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** The `Content-Type` of a JSON body. */
export const JSON_TYPE: Readonly<Record<string, string>> = { "content-type": "application/json" };

/** The services that served a call in `spans` (server spans), sorted, each once. */
export function serverServices(spans: readonly SpanView[]): string[] {
  return [...new Set(spans.filter((s) => s.kind === "server").map((s) => s.service))].sort();
}
