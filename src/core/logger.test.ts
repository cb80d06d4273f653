/** The default logger writes JSON lines and never the secrets it is handed by mistake. */
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const logger = createLogger({ ...options, destination: { write: (l) => lines.push(l) } });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, parsed, raw: () => lines.join("") };
}

describe("createLogger", () => {
  it("redacts secret headers wherever requests are usually logged, and passwords", () => {
    const { logger, parsed, raw } = capture({ app: "shop" });
    logger.info(
      {
        headers: {
          authorization: "Bearer abc",
          cookie: "sid=1",
          "set-cookie": "sid=2",
          "x-api-key": "key-1",
          "proxy-authorization": "Basic zz",
          accept: "application/json",
        },
        req: { headers: { authorization: "Bearer def", "x-api-key": "key-2", cookie: "sid=3" } },
        authorization: "Bearer ghi",
        "x-api-key": "key-3",
        password: "hunter2",
        user: { name: "ada", password: "hunter3" },
      },
      "request",
    );
    const [line] = parsed();
    expect(line).toMatchObject({
      app: "shop",
      msg: "request",
      headers: {
        authorization: "[redacted]",
        cookie: "[redacted]",
        "set-cookie": "[redacted]",
        "x-api-key": "[redacted]",
        "proxy-authorization": "[redacted]",
        accept: "application/json",
      },
      req: {
        headers: { authorization: "[redacted]", "x-api-key": "[redacted]", cookie: "[redacted]" },
      },
      authorization: "[redacted]",
      "x-api-key": "[redacted]",
      password: "[redacted]",
      user: { name: "ada", password: "[redacted]" },
    });
    for (const secret of ["abc", "def", "ghi", "sid=", "key-", "zz", "hunter"]) {
      expect(raw()).not.toContain(secret);
    }
  });

  it("redacts the paths an app configures", () => {
    const { logger, parsed } = capture({ redact: ["payment.card", '*.headers["x-tenant-key"]'] });
    logger.warn(
      {
        payment: { card: "4111111111111111", amount: 12 },
        req: { headers: { "x-tenant-key": "t" } },
      },
      "charged",
    );
    expect(parsed()[0]).toMatchObject({
      payment: { card: "[redacted]", amount: 12 },
      req: { headers: { "x-tenant-key": "[redacted]" } },
    });
  });
});
