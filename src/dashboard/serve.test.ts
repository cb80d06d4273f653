/**
 * Serving the built dashboard over real HTTP: from a plain `node:http` server with
 * `serveDashboard`, and from an app's admin server with `mountDashboard` — content types, cache
 * headers, revalidation, the page answered for browser navigations at any depth, and nothing
 * outside the allowlist (no directory traversal, no source files, no API paths swallowed).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineApp, defineService, method } from "../core/index.js";
import { createApp } from "../create-app.js";
import { ADMIN } from "../observe/index.js";
import { uniqueName } from "../testing/unique-name.js";
import { assetPath } from "./assets.js";
import { mountDashboard } from "./mount.js";
import { serveDashboard } from "./serve.js";

/** A built dashboard of our own, so the test does not depend on `vite build`. */
function fakeBuild(): string {
  // parent/build is the dashboard; parent/outside.txt must stay out of reach.
  const parent = mkdtempSync(join(tmpdir(), "weft-dashboard-build-"));
  const root = join(parent, "build");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(parent, "outside.txt"), "secret");
  writeFileSync(
    join(root, "index.html"),
    '<!doctype html><html><head><script type="module" src="./assets/app-1.js"></script></head><body></body></html>',
  );
  writeFileSync(join(root, "assets", "app-1.js"), "console.log('dashboard');");
  writeFileSync(join(root, "assets", "app-1.css"), "body{}");
  writeFileSync(join(root, "favicon.svg"), "<svg/>");
  writeFileSync(join(root, "serve.js"), "// server code shares the folder");
  return root;
}

const html = { accept: "text/html,application/xhtml+xml" };

describe("serveDashboard on a node:http server", () => {
  const root = fakeBuild();
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      if (await serveDashboard(req, res, "/dash/", { root })) return;
      res.writeHead(404, { "content-type": "text/plain" }).end("not the dashboard's");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(join(root, ".."), { recursive: true, force: true });
  });

  it("serves the page with a base href, no caching and a strict content policy", async () => {
    const res = await fetch(`${base}/dash/`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const body = await res.text();
    expect(body).toContain('<base href="/dash/" />');
    expect(body).toContain("./assets/app-1.js");
  });

  it("serves hashed assets with their content type, cached for a year", async () => {
    const js = await fetch(`${base}/dash/assets/app-1.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await js.text()).toBe("console.log('dashboard');");
    const css = await fetch(`${base}/dash/assets/app-1.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const icon = await fetch(`${base}/dash/favicon.svg`);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
  });

  it("answers 304 when the browser's copy is current", async () => {
    const first = await fetch(`${base}/dash/assets/app-1.js`);
    const etag = first.headers.get("etag") as string;
    expect(etag).toMatch(/^W\/"/);
    const again = await fetch(`${base}/dash/assets/app-1.js`, {
      headers: { "if-none-match": etag },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("answers the page for a browser navigating to any dashboard path", async () => {
    for (const path of ["/dash/traces/4bf92f3577b34da6a3ce929d0e0e4736", "/dash/workflows"]) {
      const res = await fetch(`${base}${path}`, { headers: html });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<base href="/dash/" />');
    }
    // The base path without its slash redirects to it.
    const bare = await fetch(`${base}/dash`, { redirect: "manual" });
    expect([bare.status, bare.headers.get("location")]).toEqual([308, "/dash/"]);
  });

  it("leaves to the caller what is not its own", async () => {
    const cases: [string, Record<string, string>][] = [
      ["/other/page", html], // outside the base path
      ["/dash/assets/missing.js", {}], // no such asset
      ["/dash/serve.js", {}], // in the folder, but not the dashboard's to serve
      ["/dash/api/traces", { accept: "*/*" }], // not a navigation: fetch(), curl
      ["/dash/assets/../../outside.txt", {}],
      ["/dash/assets/%2e%2e/%2e%2e/outside.txt", {}],
      ["/dash/assets/..%2f..%2foutside.txt", {}],
      ["/dash/assets/%5c..%5coutside.txt", {}],
    ];
    for (const [path, headers] of cases) {
      const res = await fetch(`${base}${path}`, { headers });
      expect([path, res.status, await res.text()]).toEqual([path, 404, "not the dashboard's"]);
    }
    const post = await fetch(`${base}/dash/`, { method: "POST", headers: html });
    expect(post.status).toBe(404);
  });

  it("refuses file names that could leave the folder", () => {
    for (const bad of [
      "../x",
      "assets/../../x",
      "assets/.env",
      "assets/a\\..\\b.js",
      "%00",
      "%E0%A4%A",
    ]) {
      expect([bad, assetPath(bad)]).toEqual([bad, undefined]);
    }
    expect(assetPath("")).toBe("index.html");
    expect(assetPath("assets/index-abc.js")).toBe("assets/index-abc.js");
  });
});

describe("mountDashboard on the admin server", () => {
  const root = fakeBuild();
  const hello = defineService("hello", {
    greet: method({
      input: z.object({ name: z.string() }),
      output: z.string(),
      description: "Says hello.",
    }),
    wave: method({ input: z.object({}), output: z.string() }),
  });
  const definition = defineApp({
    name: uniqueName("dash-mount"),
    services: [
      hello.implement({ greet: async (_ctx, { name }) => `hello ${name}`, wave: async () => "👋" }),
    ],
  });
  const app = createApp(definition, {
    env: {},
    admin: true,
    config: { logLevel: "error", adminPort: 0 },
  });
  let url: string;
  beforeAll(async () => {
    mountDashboard(app, { definition, root });
    await app.start();
    url = app.use(ADMIN).url as string;
  });
  afterAll(async () => {
    await app.stop({ grace: 0 });
    rmSync(join(root, ".."), { recursive: true, force: true });
  });

  it("serves the dashboard at / and below each page, and keeps the API's 404s", async () => {
    for (const path of ["/", "/services", "/traces/abc", "/workflows/run-1"]) {
      const res = await fetch(`${url}${path}`);
      expect([path, res.status, res.headers.get("content-type")]).toEqual([
        path,
        200,
        "text/html; charset=utf-8",
      ]);
      expect(await res.text()).toContain('<base href="/" />');
    }
    // createApp mounted the built dashboard already: take an asset its page names.
    const page = await (await fetch(`${url}/`)).text();
    const named = /(?:src|href)="(?:\.\/|\/)?(assets\/[^"]+)"/.exec(page)?.[1];
    expect(named).toBeDefined();
    const asset = await fetch(`${url}/${named}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const missing = await fetch(`${url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect((await fetch(`${url}/serve.js`)).status).toBe(404);
    // Mounting again (the composition root and the app both asking) changes nothing.
    expect(() => mountDashboard(app, { definition, root })).not.toThrow();
    expect((await fetch(`${url}/services`)).status).toBe(200);
  });

  it("answers /api/services with every declared method and the calls made", async () => {
    await app.client(hello).greet({ name: "ada" });
    await app.client(hello).greet({ name: "grace" });
    const body = (await (await fetch(`${url}/api/services`)).json()) as {
      services: {
        name: string;
        local: boolean;
        processes: { pid: number }[];
        methods: {
          name: string;
          calls: number;
          description: string | null;
          p50Ms: number | null;
        }[];
      }[];
      edges: { from: string | null; to: string; calls: number }[];
    };
    const service = body.services.find((s) => s.name === "hello");
    expect(service?.local).toBe(true);
    expect(service?.processes.map((p) => p.pid)).toEqual([process.pid]);
    const greet = service?.methods.find((m) => m.name === "greet");
    expect(greet?.calls).toBe(2);
    expect(greet?.description).toBe("Says hello.");
    expect(greet?.p50Ms).toBeGreaterThan(0);
    expect(service?.methods.find((m) => m.name === "wave")?.calls).toBe(0);
    expect(body.edges).toEqual([expect.objectContaining({ from: null, to: "hello", calls: 2 })]);
  });

  it("says an app without topics uses no events", async () => {
    const stats = await (await fetch(`${url}/api/events/stats`)).json();
    expect(stats).toEqual({ enabled: false });
    const dead = await fetch(`${url}/api/events/dead-letters`);
    expect(dead.status).toBe(409);
    expect(((await dead.json()) as { reason: string }).reason).toBe("EVENTS_NOT_USED");
  });
});
