/**
 * The subject registry: every NATS subject, queue group, inbox prefix, JetStream stream and
 * durable consumer name Weft uses is built here and nowhere else, so a generator of per-group
 * permissions can derive them all from one place (a test fails when another file under `src/`
 * spells a `weft.`, `weft-events.` or `_INBOX` subject by hand).
 *
 * It lives in `transport/` (not in core, which knows no subsystem) and is pure string functions:
 * the NATS transport and the events' JetStream broker both import it without loading a NATS
 * driver, and so can tools that only print names.
 *
 * Layout, per app:
 * - calls: `weft.<app>.<service>.<method>`; a service's replicas subscribe to
 *   `weft.<app>.<service>.*` in the queue group `weft.<app>.<service>`;
 * - cancellations: `weft.<app>.<service>.<method>.cancel`, heard by every replica of the service
 *   (the caller does not know which replica took the call), the payload naming the call's reply
 *   subject;
 * - replies: inboxes under `_INBOX.weft.<app>` (the NATS connection's `inboxPrefix`, so
 *   JetStream's own requests use it too);
 * - events: stream `WEFT_EVENTS_<app>` over `weft-events.<app>.<topic>`, one durable consumer per
 *   subscription.
 *
 * @example
 * ```ts
 * import { appSubjects, methodSubject } from "weft/transport/nats";
 * methodSubject("shop", "cart", "addItem"); // "weft.shop.cart.addItem"
 * appSubjects("shop").calls; // "weft.shop.>"
 * ```
 */
import { createHash } from "node:crypto";
import { invalidArgument } from "../core/errors.js";

const CALLS = "weft";
const EVENTS = "weft-events";
const INBOXES = "_INBOX.weft";
const CANCEL = "cancel";

/** A subject token may not be empty nor hold `.`, `*`, `>` or whitespace (NATS separators). */
const TOKEN = /^[^.*>\s]+$/;
/** Topic names are dotted (`order.placed`): each part is a token. */
const DOTTED = /^[^.*>\s]+(\.[^.*>\s]+)*$/;

function check(kind: string, value: string, rule: RegExp = TOKEN): string {
  if (typeof value !== "string" || !rule.test(value)) {
    throw invalidArgument(
      "INVALID_SUBJECT_TOKEN",
      `${kind} ${JSON.stringify(value)} cannot be part of a NATS subject: it must be non-empty, without whitespace, "*" or ">"${rule === TOKEN ? ' or "."' : ""}`,
      { issues: [{ path: [kind], message: "not a valid NATS subject token" }] },
    );
  }
  return value;
}

/** The subject of one method: `weft.<app>.<service>.<method>`. */
export function methodSubject(app: string, service: string, method: string): string {
  return `${serviceRoot(app, service)}.${check("method", method)}`;
}

/** The wildcard subject a service's replicas subscribe to: `weft.<app>.<service>.*`. */
export function serviceSubject(app: string, service: string): string {
  return `${serviceRoot(app, service)}.*`;
}

/** The queue group of a service's replicas: `weft.<app>.<service>`. */
export function serviceQueue(app: string, service: string): string {
  return serviceRoot(app, service);
}

/**
 * Reads the method out of subjects of {@link serviceSubject}, with the service's part checked once
 * (a responder reads one per call).
 */
export function methodReader(
  app: string,
  service: string,
): (subject: string) => string | undefined {
  const root = serviceRoot(app, service);
  return (subject) => {
    if (!subject.startsWith(root) || subject.charCodeAt(root.length) !== 46) return undefined;
    const method = subject.slice(root.length + 1);
    return TOKEN.test(method) ? method : undefined;
  };
}

/** The subject a caller cancels a call of one method on: `weft.<app>.<service>.<method>.cancel`. */
export function cancelSubject(app: string, service: string, method: string): string {
  return `${methodSubject(app, service, method)}.${CANCEL}`;
}

/** The subject every replica of a service hears cancellations on: `weft.<app>.<service>.*.cancel`. */
export function cancelWildcard(app: string, service: string): string {
  return `${serviceRoot(app, service)}.*.${CANCEL}`;
}

/** The inbox prefix of an app's connections (NATS `inboxPrefix`): `_INBOX.weft.<app>`. */
export function inboxPrefix(app: string): string {
  return `${INBOXES}.${check("app", app)}`;
}

/** The subject of one reply under an inbox made from {@link inboxPrefix}. */
export function replySubject(inbox: string, token: string): string {
  return `${inbox}.${token}`;
}

/** The subscription that takes every reply of an inbox (`<inbox>.*`). */
export function replyWildcard(inbox: string): string {
  return `${inbox}.*`;
}

/** The token a reply subject of {@link replySubject} ends with. */
export function replyToken(inbox: string, subject: string): string {
  return subject.slice(inbox.length + 1);
}

/** The JetStream stream of an app's events: `WEFT_EVENTS_<app>`. */
export function streamName(app: string): string {
  return `WEFT_EVENTS_${check("app", app).replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** The subject of a topic's events: `weft-events.<app>.<topic>`. */
export function eventSubject(app: string, topic: string): string {
  return `${EVENTS}.${check("app", app)}.${check("topic", topic, DOTTED)}`;
}

/** Every event subject of an app (the stream's subjects): `weft-events.<app>.>`. */
export function eventWildcard(app: string): string {
  return `${EVENTS}.${check("app", app)}.>`;
}

/** The durable consumer of a subscription (`service/topic`): readable, and unique by its hash. */
export function durableName(consumer: string): string {
  const hash = createHash("sha256").update(consumer).digest("hex").slice(0, 8);
  return `${consumer.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 48)}_${hash}`;
}

/** Everything an app uses on NATS, as wildcards (what its permissions must allow). */
export interface AppSubjects {
  /** Calls and cancellations of every service: `weft.<app>.>`. */
  readonly calls: string;
  /** Replies to its callers: `_INBOX.weft.<app>.>`. */
  readonly replies: string;
  /** Its events: `weft-events.<app>.>`. */
  readonly events: string;
  /** Its JetStream stream. */
  readonly stream: string;
}

/** The subjects and stream of one app, for permissions and tools. */
export function appSubjects(app: string): AppSubjects {
  return {
    calls: `${CALLS}.${check("app", app)}.>`,
    replies: `${inboxPrefix(app)}.>`,
    events: eventWildcard(app),
    stream: streamName(app),
  };
}

function serviceRoot(app: string, service: string): string {
  return `${CALLS}.${check("app", app)}.${check("service", service)}`;
}
