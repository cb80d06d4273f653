/**
 * A full disk under a SQLite store (a 2 MiB tmpfs, mounted for the test; skipped where mounting is
 * not allowed): writes answer 507 `STORE_DISK_FULL` at the gateway, not 429 (which reads as a rate
 * limit); `/readyz` says "not ready" while writes fail although `SELECT 1` answers; once space is
 * freed the app recovers without a restart.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp, defineService, method } from "../core/index.js";
import { createApp } from "../create-app.js";
import { defineGateway, GATEWAY } from "../gateway/define.js";
import { route } from "../gateway/route.js";
import { ADMIN } from "../observe/admin/extension.js";
import { uniqueName } from "../testing/unique-name.js";
import { STORE } from "./extension.js";
import { sql } from "./sql.js";

const notes = defineService("notes", {
  write: method({ input: z.object({ id: z.string(), kib: z.int() }), output: z.object({}) }),
});
const impl = notes.implement({
  async write(ctx, { id, kib }) {
    await ctx.tx((tx) =>
      tx.execute(sql`insert into notes (id, body) values (${id}, randomblob(${kib * 1024}))`),
    );
    return {};
  },
});
const api = defineGateway("api", { routes: [route("PUT /notes/:id", notes, "write")] });

/** Mounts a 2 MiB tmpfs at a new folder; undefined where mounting is not allowed. */
function mountSmallDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "weft-disk-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const disk = mountSmallDisk();

describe.skipIf(disk === undefined)("a full disk under SQLite", () => {
  let app: App;
  const dir = disk as string;
  const filler = join(dir, "filler");
  beforeAll(async () => {
    app = createApp(defineApp({ name: uniqueName("disk"), services: [impl, api], store: true }), {
      env: {},
      admin: true,
      config: {
        logLevel: "silent",
        dataDir: dir,
        httpHost: "127.0.0.1",
        httpPort: 0,
        adminPort: 0,
      },
    });
    await app.start();
    await app.use(STORE).execute(sql`create table notes (id text primary key, body blob)`);
  });
  afterAll(async () => {
    await app?.stop({ grace: "2s" });
    execFileSync("umount", [dir]);
    await rm(dir, { recursive: true, force: true });
  });

  const put = (id: string, kib: number) =>
    fetch(`${app.use(GATEWAY).url}/notes/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kib }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const ready = async () => {
    const r = await fetch(`${app.use(ADMIN).url}/readyz`);
    return { status: r.status, body: (await r.json()) as { checks: Record<string, unknown> } };
  };

  it("answers 507, reports not ready while writes fail, and recovers once space is freed", async () => {
    expect((await put("first", 16)).status).toBe(200);
    expect((await ready()).status).toBe(200);
    // Take what is left of the disk but a little, then write until the store refuses.
    try {
      writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024));
    } catch {
      // ENOSPC: the filler took what there was.
    }
    let refused: { status: number; body: Record<string, unknown> } | undefined;
    for (let i = 0; i < 50 && refused === undefined; i++) {
      const answer = await put(`n${i}`, 64);
      if (answer.status !== 200) refused = answer;
    }
    expect(refused).toMatchObject({
      status: 507,
      body: { code: "RESOURCE_EXHAUSTED", reason: "STORE_DISK_FULL" },
    });
    const notReady = await ready();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks.store).toMatchObject({ ok: false });
    // Space freed: ready again and writes land, without a restart.
    rmSync(filler, { force: true });
    expect((await ready()).status).toBe(200);
    expect((await put("after", 16)).status).toBe(200);
    expect((await ready()).status).toBe(200);
  });
});
