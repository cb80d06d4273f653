/**
 * `weft workflows list|show|cancel|resume|retry`: inspect and manage an app's workflow runs from
 * a shell. The app is opened client-only with the configuration `weft start` would use, so the
 * command reads the same store (SQLite under WEFT_DATA_DIR, or PostgreSQL with
 * WEFT_DATABASE_URL) — and says on stderr which one it read; runs it resumes or retries are
 * executed by the app's running workers.
 */
import type { Command } from "commander";
import { type App, type AppDefinition, invalidArgument } from "../../core/index.js";
import { describeStoreLocation, storeLocation } from "../../store/extension.js";
import {
  FINAL_STATUSES,
  type RunDetails,
  type RunStatus,
  type StepRecord,
  workflows,
} from "../../workflow/index.js";
import { loadDefinition, openClientOnly } from "../open-app.js";
import { createUi, type Ui } from "../ui.js";
import { paintStatus, printRun, printRuns, stepJson, summaryJson } from "./workflows-view.js";

interface CommonOptions {
  json?: boolean;
}

/** Runs `fn` with the app opened client-only, and stops the app afterwards. */
async function withApp<T>(
  entry: string | undefined,
  ui: Ui,
  fn: (app: App, definition: AppDefinition) => Promise<T>,
): Promise<T> {
  const definition = await loadDefinition(entry);
  if (definition.workflows.length === 0) {
    throw invalidArgument(
      "NO_WORKFLOWS",
      `app ${definition.name} defines no workflows (add them to defineApp({ workflows: [...] }))`,
    );
  }
  const spin = ui.spinner(`opening the store of ${definition.name}`);
  let app: App | undefined;
  try {
    app = await openClientOnly(definition);
    spin.stop();
    // Which store this is: the one the configuration here names, which must be the running app's.
    const location = storeLocation(app.config, app.name);
    if (!ui.json)
      ui.err(
        ui.c.dim(
          `store: ${describeStoreLocation(location)}${location.dialect === "sqlite" ? " (WEFT_DATABASE_URL is not set here)" : ""}`,
        ),
      );
    return await fn(app, definition);
  } finally {
    spin.stop();
    await app?.stop();
  }
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw invalidArgument(
      "INVALID_LIMIT",
      `--limit must be a whole number from 1 to 1000 (got ${value})`,
    );
  return n;
}

/** Steps of `run` whose effects its compensations undid, in the order they ran. */
function undoneSteps(run: RunDetails): StepRecord[] {
  const undone = new Set(
    run.steps
      .filter((s) => s.kind === "compensation" && s.ok)
      .map((s) => s.name.replace(/^compensate:/, "")),
  );
  return run.steps.filter((s) => s.kind !== "compensation" && undone.has(s.name));
}

/**
 * The step `retry` starts from when none is named: the first step a compensation undid (its
 * effect is gone, so it must run again), else the first failed step.
 */
function defaultRetryStep(run: RunDetails): string {
  const undone = undoneSteps(run)[0];
  if (undone !== undefined) return undone.name;
  const failed = run.steps.find((s) => !s.ok && s.kind !== "compensation");
  if (failed === undefined) {
    throw invalidArgument(
      "STEP_REQUIRED",
      `run ${run.id} has no failed step to retry from: name one with --step (steps: ${run.steps.map((s) => s.name).join(", ") || "none"})`,
    );
  }
  return failed.name;
}

/** Registers `weft workflows …` on the program. */
export function registerWorkflows(cli: Command, out: (line: string) => void): void {
  const group = cli
    .command("workflows")
    .description("list, inspect, cancel, resume and retry workflow runs in the app's store");
  const entryArg = "module that default-exports defineApp({...}); default: weft.config.ts";

  group
    .command("list")
    .description("list runs, newest first")
    .option("--app <entry>", entryArg)
    .option(
      "-s, --status <statuses>",
      "only these statuses (comma-separated), e.g. failed,sleeping",
    )
    .option("-w, --workflow <name>", "only runs of this workflow")
    .option("-n, --limit <n>", "most runs shown (1-1000)", "50")
    .option("--json", "print JSON")
    .action(
      async (
        opts: CommonOptions & { app?: string; status?: string; workflow?: string; limit: string },
      ) => {
        const ui = createUi({ json: opts.json, out });
        const limit = parseLimit(opts.limit);
        const runs = await withApp(opts.app, ui, (app) =>
          workflows(app).list({
            ...(opts.status === undefined
              ? {}
              : { status: opts.status.split(",").map((s) => s.trim()) as RunStatus[] }),
            ...(opts.workflow === undefined ? {} : { workflow: opts.workflow }),
            limit,
          }),
        );
        ui.result({ runs: runs.map(summaryJson) }, () => printRuns(ui, runs));
      },
    );

  group
    .command("show")
    .description("show a run and its step timeline")
    .argument("<id>", "run id")
    .option("--app <entry>", entryArg)
    .option("--json", "print JSON")
    .action(async (id: string, opts: CommonOptions & { app?: string }) => {
      const ui = createUi({ json: opts.json, out });
      const run = await withApp(opts.app, ui, (app) => workflows(app).get(id));
      ui.result(
        {
          ...summaryJson(run),
          input: run.input,
          output: run.output,
          steps: run.steps.map(stepJson),
        },
        () => printRun(ui, run),
      );
    });

  const act = (
    name: string,
    description: string,
    action: (
      app: App,
      id: string,
      step: string | undefined,
    ) => Promise<{ step?: string; message?: string }>,
    done: (id: string, step: string | undefined) => string,
  ) =>
    group
      .command(name)
      .description(description)
      .argument("<id>", "run id")
      .option("--app <entry>", entryArg)
      .option("--json", "print JSON")
      .action(async (id: string, opts: CommonOptions & { app?: string; step?: string }) => {
        const ui = createUi({ json: opts.json, out });
        const { run, step, message } = await withApp(opts.app, ui, async (app) => {
          const { step: used, message: said } = await action(app, id, opts.step);
          return { run: await workflows(app).get(id), step: used, message: said };
        });
        ui.result(
          { id, action: name, ...(step === undefined ? {} : { step }), status: run.status },
          () => {
            ui.out(message ?? done(id, step));
            ui.out(`${ui.c.dim("status now:")} ${paintStatus(ui.c, run.status)}`);
          },
        );
      });

  act(
    "cancel",
    "cancel a run: it stops at its next step and its compensations run",
    async (app, id) => {
      const { status } = await workflows(app).get(id);
      if (FINAL_STATUSES.has(status))
        return { message: `Run ${id} already ended (${status}): nothing to cancel.` };
      await workflows(app).cancel(id);
      return {};
    },
    (id) =>
      `Cancellation requested for run ${id}: a worker stops it at its next step and runs its compensations.`,
  );
  act(
    "resume",
    "run a failed run again from its journal (after deploying a fix)",
    async (app, id) => {
      await workflows(app).resume(id);
      return {};
    },
    (id) =>
      `Run ${id} is pending again: a worker of the app resumes it from its journal (recorded steps are not run again).`,
  );
  act(
    "retry",
    "forget the journal from a step on and run the run again from there",
    async (app, id, step) => {
      const run = await workflows(app).get(id);
      const from = step ?? defaultRetryStep(run);
      await workflows(app).retryFrom(id, from);
      const at = run.steps.find((s) => s.name === from)?.seq ?? 0;
      const kept = undoneSteps(run).filter((s) => s.seq < at);
      return {
        step: from,
        ...(kept.length === 0
          ? {}
          : {
              message: `Run ${id} is pending again from step "${from}". Careful: compensations had undone ${kept.map((s) => `"${s.name}"`).join(", ")}, whose recorded results are reused without running again; retry from "${kept[0]?.name}" to redo them.`,
            }),
      };
    },
    (id, step) =>
      `Run ${id} is pending again from step "${step}": a worker of the app runs it from there.`,
  ).option(
    "--step <name>",
    "step to run again from (default: the first step a compensation undid, else the first failed step)",
  );
}
