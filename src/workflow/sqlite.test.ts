/** The workflow conformance suite on SQLite: a temp file per test, removed after it. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../store/index.js";
import { createSqliteStore } from "../store/sqlite/index.js";
import { describeWorkflowConformance } from "./conformance/index.js";

describeWorkflowConformance("sqlite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "weft-wf-"));
  const path = join(dir, "workflows.db");
  const opened: Store[] = [];
  return {
    async open() {
      const store = await createSqliteStore({ path });
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
});
