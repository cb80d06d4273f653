/** `weft openapi`: the gateway's document, from the app definition alone, valid OpenAPI 3.1. */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createShopGateway } from "../../examples/shop/gateway.js";
import { openApiDocument } from "../gateway/index.js";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const shop = fileURLToPath(new URL("../../examples/shop/app.ts", import.meta.url));
const noGateway = fileURLToPath(new URL("./fixtures/events-app.ts", import.meta.url));

function weft(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("weft openapi", () => {
  it("prints the gateway's OpenAPI 3.1 document, valid, with the gateway's routes", {
    timeout: 60_000,
  }, async () => {
    const { code, stdout } = await weft("openapi", "--app", shop);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { info: { title: string }; paths: Record<string, unknown> };
    const result = await new Validator().validate(doc as never);
    expect(result.valid, JSON.stringify(result.errors)).toBe(true);
    expect(doc.info.title).toBe("Weft shop");
    const expected = openApiDocument(createShopGateway()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(expected.paths).sort());
  });

  it("writes it to a file with --out, and says what to do for an app without a gateway", {
    timeout: 60_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "weft-openapi-"));
    try {
      const file = join(dir, "openapi.json");
      const written = await weft("openapi", "--app", shop, "--out", file);
      expect(written.code).toBe(0);
      expect(JSON.parse(await readFile(file, "utf8")).openapi).toBe("3.1.0");
      const none = await weft("openapi", "--app", noGateway);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain("defineGateway");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
