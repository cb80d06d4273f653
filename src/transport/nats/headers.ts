/**
 * The call context on NATS: deadline as remaining milliseconds (clocks skew), W3C `traceparent`,
 * metadata as JSON, and the principal as a token signed with the app's principal key. Weft's own
 * callers send it in the call frame (frame.ts); plain messages may carry the same fields as NATS
 * headers. Either way incoming fields are validated like any input: a bad one is refused with
 * INVALID_ARGUMENT naming the field, a forged principal with UNAUTHENTICATED.
 */
import type { MsgHdrs } from "@nats-io/transport-node";
import {
  type CallContext,
  type CallHeaders,
  invalidArgument,
  type Principal,
  signPrincipal,
  unauthenticated,
  verifyPrincipal,
} from "../../core/index.js";
import type { FrameContext } from "./frame.js";

/** Names of the context fields (also the NATS header names of plain messages). */
export const H = {
  timeout: "Weft-Timeout-Ms",
  traceparent: "traceparent",
  metadata: "Weft-Metadata",
  principal: "Weft-Principal",
  status: "Weft-Status",
  responder: "Weft-Responder",
} as const;

/** Longest principal token lifetime, even for calls with a longer deadline. */
const MAX_PRINCIPAL_TTL_MS = 5 * 60_000;

/** The context fields of an outgoing call. */
export function contextFields(
  ctx: CallContext,
  app: string,
  principalKey: string | undefined,
): FrameContext {
  const finite = Number.isFinite(ctx.deadline);
  const remaining = finite ? Math.max(1, Math.floor(ctx.remaining())) : 0;
  let metadata = "";
  for (const _ in ctx.metadata) {
    metadata = JSON.stringify(ctx.metadata);
    break;
  }
  const principal =
    ctx.principal !== undefined && principalKey !== undefined
      ? signPrincipal(
          ctx.principal,
          principalKey,
          app,
          Math.min(remaining || MAX_PRINCIPAL_TTL_MS, MAX_PRINCIPAL_TTL_MS),
        )
      : "";
  return {
    timeoutMs: finite ? String(remaining) : "",
    traceparent: ctx.traceparent,
    principal,
    metadata,
  };
}

/** The context fields of a plain message, from its NATS headers. */
export function fieldsFromHeaders(h: MsgHdrs | undefined): FrameContext {
  return {
    timeoutMs: h?.get(H.timeout) ?? "",
    traceparent: h?.get(H.traceparent) ?? "",
    principal: h?.get(H.principal) ?? "",
    metadata: h?.get(H.metadata) ?? "",
  };
}

function bad(field: string, rule: string) {
  return invalidArgument("BAD_HEADER", `${field} ${rule}`, {
    issues: [{ path: ["headers", field], message: rule }],
    metadata: { header: field },
  });
}

/** Validates incoming context fields. Throws a Weft error naming the bad field. */
export function parseContext(
  f: FrameContext,
  service: string,
  method: string,
  app: string,
  principalKey: string | undefined,
): CallHeaders {
  let timeoutMs: number | undefined;
  if (f.timeoutMs !== "") {
    // Any whole number: 0 or less is a deadline already gone, a huge one is cut to the app's
    // maxCallTimeout (both decided where every placement's calls arrive, Runtime.accept).
    if (!/^-?\d{1,20}$/.test(f.timeoutMs))
      throw bad(H.timeout, "must be a whole number of milliseconds");
    timeoutMs = Number(f.timeoutMs);
  }
  let metadata: Record<string, string> = {};
  if (f.metadata !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.metadata);
    } catch {
      parsed = undefined;
    }
    if (
      typeof parsed !== "object" ||
      parsed === null ||
      Array.isArray(parsed) ||
      !Object.values(parsed).every((v) => typeof v === "string")
    ) {
      throw bad(H.metadata, "must be a JSON object of strings");
    }
    metadata = parsed as Record<string, string>;
  }
  let principal: Principal | undefined;
  if (f.principal !== "") {
    if (principalKey === undefined) {
      throw unauthenticated(
        "PRINCIPAL_INVALID",
        "this app accepts no principals from other processes (no principal key is configured)",
      );
    }
    principal = verifyPrincipal(f.principal, principalKey, app);
  }
  return { service, method, timeoutMs, traceparent: f.traceparent, metadata, principal };
}
