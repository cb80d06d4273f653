/**
 * The subject registry: the names it builds, the tokens it refuses, names refused where they are
 * defined, and a scan proving no other production file under `src/` spells a subject by hand.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defineApp } from "../core/app.js";
import { resolveConfig } from "../core/config.js";
import { defineService } from "../core/contract.js";
import { isWeftError, type WeftError } from "../core/errors.js";
import {
  appSubjects,
  cancelSubject,
  cancelWildcard,
  durableName,
  eventSubject,
  eventWildcard,
  inboxPrefix,
  methodReader,
  methodSubject,
  replySubject,
  replyToken,
  replyWildcard,
  serviceQueue,
  serviceSubject,
  streamName,
} from "./subjects.js";

const SRC = fileURLToPath(new URL("..", import.meta.url));
const REGISTRY = "transport/subjects.ts";

function thrown(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (e) {
    if (isWeftError(e)) return e;
    throw e;
  }
  throw new Error("expected a Weft error");
}

describe("the subject registry", () => {
  it("names calls, queue groups and cancellations under weft.<app>.<service>", () => {
    expect(methodSubject("shop", "cart", "addItem")).toBe("weft.shop.cart.addItem");
    expect(serviceSubject("shop", "cart")).toBe("weft.shop.cart.*");
    expect(serviceQueue("shop", "cart")).toBe("weft.shop.cart");
    expect(cancelSubject("shop", "cart", "addItem")).toBe("weft.shop.cart.addItem.cancel");
    expect(cancelWildcard("shop", "cart")).toBe("weft.shop.cart.*.cancel");
  });

  it("reads the method back from a call subject, and nothing else", () => {
    const methodOf = methodReader("shop", "cart");
    expect(methodOf("weft.shop.cart.addItem")).toBe("addItem");
    expect(methodOf("weft.shop.carts.addItem")).toBeUndefined();
    expect(methodOf("weft.shop.cart.addItem.cancel")).toBeUndefined();
    expect(methodOf("weft.other.cart.addItem")).toBeUndefined();
  });

  it("gives each app its own inbox prefix, and reply subjects under it", () => {
    expect(inboxPrefix("shop")).toBe("_INBOX.weft.shop");
    const inbox = `${inboxPrefix("shop")}.abc`;
    expect(replySubject(inbox, "7")).toBe("_INBOX.weft.shop.abc.7");
    expect(replyWildcard(inbox)).toBe("_INBOX.weft.shop.abc.*");
    expect(replyToken(inbox, replySubject(inbox, "7"))).toBe("7");
  });

  it("names an app's event stream, event subjects (dotted topics) and durable consumers", () => {
    expect(streamName("shop")).toBe("WEFT_EVENTS_shop");
    expect(eventSubject("shop", "order.placed")).toBe("weft-events.shop.order.placed");
    expect(eventWildcard("shop")).toBe("weft-events.shop.>");
    expect(durableName("billing/order.placed")).toMatch(/^billing_order_placed_[0-9a-f]{8}$/);
    expect(durableName("a/b")).not.toBe(durableName("a_b"));
  });

  it("lists what an app's permissions must allow", () => {
    expect(appSubjects("shop")).toEqual({
      calls: "weft.shop.>",
      replies: "_INBOX.weft.shop.>",
      events: "weft-events.shop.>",
      stream: "WEFT_EVENTS_shop",
    });
  });

  it.each(["", "a.b", "a*", "a>", "a b", "a\tb", ">"])("refuses the token %j, naming it", (bad) => {
    for (const build of [
      () => methodSubject(bad, "cart", "addItem"),
      () => methodSubject("shop", bad, "addItem"),
      () => methodSubject("shop", "cart", bad),
      () => inboxPrefix(bad),
      () => streamName(bad),
    ]) {
      const e = thrown(build);
      expect(e).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_SUBJECT_TOKEN" });
      expect(e.message).toContain(JSON.stringify(bad));
    }
  });

  it.each(["", "order.", ".placed", "order..placed", "order.*", "order.>", "order placed"])(
    "refuses the topic %j in an event subject",
    (bad) => {
      expect(thrown(() => eventSubject("shop", bad)).reason).toBe("INVALID_SUBJECT_TOKEN");
    },
  );
});

describe("names that become subject tokens", () => {
  it.each(["a.b", "a*", "a>", "a b"])("refuses the app name %j where it is defined", (bad) => {
    expect(thrown(() => defineApp({ name: bad, services: [] })).code).toBe("INVALID_ARGUMENT");
    expect(() => resolveConfig({ overrides: { app: bad } })).toThrow(/app/);
    expect(() => resolveConfig({ env: { WEFT_APP: bad } })).toThrow(/WEFT_APP/);
  });

  it.each(["a.b", "a*", "a>", "a b"])("refuses the service name %j", (bad) => {
    expect(thrown(() => defineService(bad, {})).reason).toBe("INVALID_NAME");
  });
});

/** Production TypeScript files under `src/` (tests and test fixtures are free to spell subjects). */
function productionFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "fixtures" && entry.name !== "node_modules") {
        out.push(...productionFiles(path));
      }
    } else if (/\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Literals that build a Weft subject or stream name. */
const HAND_BUILT = [
  /["'`]weft\.["'`]/, // "weft." + …
  /`weft\.[^`]*\$\{/, // `weft.${app}.…`
  /["'`]weft-events\./, // any event subject
  /_INBOX/, // inboxes
  /WEFT_EVENTS_/, // stream names
];

/** The source without comments (roughly: enough that a comment naming a subject is not code). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** Lines of `source` that build a subject by hand. */
function handBuiltSubjects(source: string): string[] {
  return code(source)
    .split("\n")
    .filter((line) => HAND_BUILT.some((pattern) => pattern.test(line)));
}

describe("subjects built anywhere else", () => {
  it("are found by the scan (it would catch the ways subjects used to be built)", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    expect(handBuiltSubjects("const p = `weft.${this.host.app}.${service}.`.length;")).toHaveLength(
      1,
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    expect(handBuiltSubjects("subjects: [`weft-events.${app.name}.>`],")).toHaveLength(1);
    expect(handBuiltSubjects('const s = "weft." + app;')).toHaveLength(1);
    expect(handBuiltSubjects('nc.subscribe("_INBOX.>")')).toHaveLength(1);
    expect(handBuiltSubjects('const n = "WEFT_EVENTS_" + app;')).toHaveLength(1);
    // Not subjects: span attributes and kinds, and comments.
    expect(handBuiltSubjects('attributes["weft.app"] = app; kind: "weft.route",')).toEqual([]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    expect(handBuiltSubjects("/** subjects `weft.<app>.<service>` */\n// `weft.${x}`")).toEqual([]);
  });

  it("are nowhere: every production file under src/ takes subjects from the registry", () => {
    const offenders: string[] = [];
    const files = productionFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const name = relative(SRC, file).split("\\").join("/");
      if (name === REGISTRY) continue;
      for (const line of handBuiltSubjects(readFileSync(file, "utf8"))) {
        offenders.push(`${name}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
