/** The watch of `weft dev`: which files restart the app, and the folders it never walks. */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { devEnvironment } from "./dev-env.js";
import { isSourceFile, isStrictlyInside, type SourceWatcher, watchSources } from "./dev-watch.js";

describe("isSourceFile", () => {
  it("takes code and JSON, not tests, notes, data or ignored folders", () => {
    const yes = ["src/app.ts", "src/x.mts", "lib/y.js", "package.json", "tsconfig.json", "a.tsx"];
    const no = [
      "src/app.test.ts",
      "src/app.spec.js",
      "README.md",
      ".data/demo.sqlite",
      "node_modules/x/index.js",
      "src/node_modules/y.js",
      "dist/app.js",
      ".git/config.json",
      "src/.app.ts.swp",
      "src/4913",
    ];
    expect(yes.filter(isSourceFile)).toEqual(yes);
    expect(no.filter(isSourceFile)).toEqual([]);
  });
});

describe("isStrictlyInside", () => {
  it("ignores only a data folder inside the project, never the project or a folder above it", () => {
    expect(isStrictlyInside(".data", "/p/app")).toBe(true);
    expect(isStrictlyInside("/p/app/var/data", "/p/app")).toBe(true);
    expect(isStrictlyInside("..data", "/p/app")).toBe(true);
    // WEFT_DATA_DIR=. or .. : ignoring it would stop every watch.
    expect(isStrictlyInside(".", "/p/app")).toBe(false);
    expect(isStrictlyInside("..", "/p/app")).toBe(false);
    expect(isStrictlyInside("/p", "/p/app")).toBe(false);
    expect(isStrictlyInside("/p/other", "/p/app")).toBe(false);
  });
});

describe("watchSources", () => {
  let root: string;
  let watcher: SourceWatcher | undefined;
  const seen: string[] = [];
  /** Resolves once `file` was reported. */
  const reported = (file: string) =>
    expect.poll(() => seen.includes(file), { timeout: 10_000, interval: 20 }).toBe(true);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "weft-dev-watch-"));
    for (const dir of ["src", "node_modules/x", ".git", "dist", ".data", "data"]) {
      mkdirSync(join(root, dir), { recursive: true });
    }
    writeFileSync(join(root, "src/app.ts"), "export {};\n");
    seen.length = 0;
  });
  afterEach(async () => {
    watcher?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("reports source changes, in new folders too, and never walks ignored folders", async () => {
    watcher = watchSources({
      root,
      onChange: (file) => seen.push(file),
      ignore: [join(root, "data")],
    });
    // The root and src/: not node_modules, .git, dist, .data, nor the data folder given.
    expect(watcher.folders).toBe(2);

    for (const file of ["node_modules/x/index.js", "dist/app.js", "data/x.json", "src/a.test.ts"])
      writeFileSync(join(root, file), "1");
    writeFileSync(join(root, "src/notes.md"), "1");
    writeFileSync(join(root, "src/app.ts"), "export const a = 1;\n");
    await reported("src/app.ts");
    expect(new Set(seen)).toEqual(new Set(["src/app.ts"]));

    mkdirSync(join(root, "src/orders"));
    writeFileSync(join(root, "src/orders/impl.ts"), "export {};\n");
    await reported("src/orders/impl.ts");
    expect(watcher.folders).toBe(3);

    rmSync(join(root, "src/app.ts"));
    seen.length = 0;
    await reported("src/app.ts");

    watcher.close();
    expect(watcher.folders).toBe(0);
  });
});

describe("devEnvironment", () => {
  it("leaves out what would split the app, pins ports, and shortens the shutdown grace", () => {
    const { env, ignored } = devEnvironment(
      {
        PATH: "/bin",
        WEFT_DATABASE_URL: "postgres://x",
        WEFT_NATS_URL_FILE: "/run/secrets/nats",
        WEFT_GROUP: "",
        WEFT_LOG_LEVEL: "debug",
      },
      { http: 4000, admin: 0 },
    );
    expect(ignored).toEqual(["WEFT_DATABASE_URL", "WEFT_NATS_URL_FILE"]);
    expect(env).toEqual({
      PATH: "/bin",
      WEFT_LOG_LEVEL: "debug",
      WEFT_HTTP_PORT: "4000",
      WEFT_ADMIN_PORT: "0",
      WEFT_SHUTDOWN_GRACE: "3s",
    });
    expect(devEnvironment({ WEFT_SHUTDOWN_GRACE: "20s" }).env.WEFT_SHUTDOWN_GRACE).toBe("20s");
  });
});
