/** The app in one process, as its users call it: through clients, a workflow, and HTTP. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type App, createApp } from "weft";
import { GATEWAY } from "weft/gateway";
import { workflows } from "weft/workflow";
import { appDefinition } from "./app.js";
import { greeter } from "./services/greeter/contract.js";
import { welcome } from "./workflows/welcome.js";

let dir: string;
let app: App;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "__APP_NAME__-"));
  // Its own SQLite file and free ports: tests never share state.
  const env = {
    WEFT_DATA_DIR: dir,
    WEFT_HTTP_PORT: "0",
    WEFT_ADMIN_PORT: "0",
    WEFT_LOG_LEVEL: "warn",
  };
  app = createApp(appDefinition(), { env });
  await app.start();
});

afterEach(async () => {
  await app.stop();
  await rm(dir, { recursive: true, force: true });
});

it("greets", async () => {
  expect(await app.client(greeter).greet({ name: "Ada" })).toEqual({ message: "Hello, Ada!" });
});

it("refuses bad input with the field named", async () => {
  await expect(app.client(greeter).greet({ name: "" })).rejects.toMatchObject({
    code: "INVALID_ARGUMENT",
    issues: [{ path: ["name"] }],
  });
});

it("runs the welcome workflow to completion", async () => {
  const output = await workflows(app).run(welcome, { name: "Ada", email: "ada@example.com" });
  expect(output).toEqual({ message: "Hello, Ada!" });
});

it("answers over HTTP", async () => {
  const response = await fetch(`${app.use(GATEWAY).url}/greet`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Grace" }),
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ message: "Hello, Grace!" });
});
