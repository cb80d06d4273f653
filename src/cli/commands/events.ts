/**
 * `weft events stats|dead-letters|redrive|discard`: look at an app's events and act on its dead
 * letters from a shell. The app is opened client-only with the configuration `weft start` would
 * use (the same store; with WEFT_NATS_URL, the same JetStream stream for redrives).
 */
import type { Command } from "commander";
import { type App, type AppDefinition, invalidArgument } from "../../core/index.js";
import { type DeadLetter, events } from "../../events/index.js";
import { loadDefinition, openClientOnly } from "../open-app.js";
import { createUi, formatTime, type Ui } from "../ui.js";
import { errorJson } from "./workflows-view.js";

interface Filter {
  app?: string;
  consumer?: string;
  topic?: string;
  limit?: string;
  json?: boolean;
}

async function withApp<T>(
  entry: string | undefined,
  ui: Ui,
  fn: (app: App) => Promise<T>,
): Promise<T> {
  const definition: AppDefinition = await loadDefinition(entry);
  if (definition.topics.length === 0) {
    throw invalidArgument(
      "NO_TOPICS",
      `app ${definition.name} has no topics (declare them in defineApp({ topics }) or subscribe in a service)`,
    );
  }
  const spin = ui.spinner(`opening the store of ${definition.name}`);
  let app: App | undefined;
  try {
    app = await openClientOnly(definition);
    spin.stop();
    return await fn(app);
  } finally {
    spin.stop();
    await app?.stop();
  }
}

function limitOf(value: string | undefined): number {
  const n = Number(value ?? "50");
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw invalidArgument(
      "INVALID_LIMIT",
      `--limit must be a whole number from 1 to 10000 (got ${value})`,
    );
  }
  return n;
}

const filterOf = (opts: Filter) => ({
  ...(opts.consumer === undefined ? {} : { consumer: opts.consumer }),
  ...(opts.topic === undefined ? {} : { topic: opts.topic }),
});

/** A dead letter as JSON. */
function deadJson(d: DeadLetter) {
  return {
    id: d.id,
    consumer: d.consumer,
    eventId: d.event.id,
    topic: d.event.topic,
    key: d.event.key,
    payload: d.event.payload,
    attempts: d.attempts,
    error: errorJson(d.error),
    createdAt: new Date(d.createdAt).toISOString(),
    redrivenAt: d.redrivenAt === undefined ? undefined : new Date(d.redrivenAt).toISOString(),
  };
}

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const APP_OPTION = "module that default-exports defineApp({...}); default: weft.config.ts";

/** Registers `weft events …` on the program. */
export function registerEvents(cli: Command, out: (line: string) => void): void {
  const group = cli
    .command("events")
    .description("event backlogs and dead letters: list, redrive, discard");

  group
    .command("stats")
    .description("outbox backlog and lag, subscribers, pending events and dead letters")
    .option("--app <entry>", APP_OPTION)
    .option("--json", "print JSON")
    .action(async (opts: Filter) => {
      const ui = createUi({ json: opts.json, out });
      const stats = await withApp(opts.app, ui, (app) => events(app).stats());
      ui.result(stats, () => {
        const lag =
          stats.outbox.oldestAgeMs === undefined
            ? "none"
            : `${Math.round(stats.outbox.oldestAgeMs)} ms`;
        ui.out(
          `${ui.c.bold("broker")} ${stats.broker}   ${ui.c.bold("outbox")} ${stats.outbox.pending} unpublished (oldest: ${lag})`,
        );
        ui.out("");
        ui.out(
          ui.table(
            ["SUBSCRIBER", "TOPIC", "PENDING", "DEAD LETTERS"],
            stats.consumers.map((c) => [
              c.service,
              c.topic,
              c.pending === undefined ? "-" : String(c.pending),
              c.deadLetters > 0 ? ui.c.red(String(c.deadLetters)) : "0",
            ]),
          ),
        );
      });
    });

  group
    .command("dead-letters")
    .description("events a subscriber gave up on, newest first")
    .option("--app <entry>", APP_OPTION)
    .option("-c, --consumer <service/topic>", "only this subscriber, e.g. email/order.placed")
    .option("-t, --topic <name>", "only this topic")
    .option("-n, --limit <n>", "most shown (1-10000)", "50")
    .option("--json", "print JSON")
    .action(async (opts: Filter) => {
      const ui = createUi({ json: opts.json, out });
      const limit = limitOf(opts.limit);
      const dead = await withApp(opts.app, ui, (app) =>
        events(app).deadLetters({ ...filterOf(opts), limit }),
      );
      ui.result({ deadLetters: dead.map(deadJson) }, () => {
        if (dead.length === 0) {
          ui.out("No dead letters: every event was handled (or is still being retried).");
          return;
        }
        ui.out(
          ui.table(
            ["ID", "SUBSCRIBER", "EVENT", "ATTEMPTS", "ERROR", "WHEN"],
            dead.map((d) => [
              d.id,
              d.consumer,
              d.event.id,
              String(d.attempts),
              ui.c.red(clip(`${d.error.reason}: ${d.error.message}`, 70)),
              formatTime(d.createdAt),
            ]),
          ),
        );
        ui.out("");
        ui.out(
          ui.c.dim(
            "Redrive one with: weft events redrive <ID>   (or all shown: weft events redrive --all)",
          ),
        );
      });
    });

  group
    .command("redrive")
    .description("deliver dead letters again to the subscriber that gave up on them (alone)")
    .argument("[id]", "dead letter id (from weft events dead-letters)")
    .option("--all", "every dead letter matching --consumer / --topic")
    .option("--app <entry>", APP_OPTION)
    .option("-c, --consumer <service/topic>", "with --all: only this subscriber")
    .option("-t, --topic <name>", "with --all: only this topic")
    .option("--json", "print JSON")
    .action(async (id: string | undefined, opts: Filter & { all?: boolean }) => {
      const ui = createUi({ json: opts.json, out });
      if ((id === undefined) === (opts.all !== true)) {
        throw invalidArgument(
          "REDRIVE_WHAT",
          "give a dead letter id, or --all (with --consumer / --topic to narrow it)",
        );
      }
      const count = await withApp(opts.app, ui, async (app) => {
        if (id !== undefined) {
          await events(app).redrive(id);
          return 1;
        }
        return events(app).redriveAll(filterOf(opts));
      });
      ui.result({ redriven: count }, () =>
        ui.out(
          count === 0
            ? "Nothing to redrive."
            : `Redrove ${count} dead letter(s): the app's running subscribers handle them again (attempts start over).`,
        ),
      );
    });

  group
    .command("discard")
    .description("delete a dead letter for good")
    .argument("<id>", "dead letter id")
    .option("--app <entry>", APP_OPTION)
    .option("--json", "print JSON")
    .action(async (id: string, opts: Filter) => {
      const ui = createUi({ json: opts.json, out });
      await withApp(opts.app, ui, (app) => events(app).discard(id));
      ui.result({ discarded: id }, () => ui.out(`Dead letter ${id} deleted.`));
    });
}
