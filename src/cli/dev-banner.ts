/**
 * What `weft dev` prints: a banner with the URLs when the app first serves (and again if they
 * change), one line per restart naming the changed file, a clear line when the app fails to start
 * or crashes, and with `--json` one JSON object per line for each of these events.
 */
import { relative, sep } from "node:path";
import type { DevEvent, DevStarted } from "./dev-supervisor.js";
import { IGNORED_FOLDERS } from "./dev-watch.js";
import type { Ui } from "./ui.js";

/** What the banner says besides the app's own description. */
export interface DevViewContext {
  /** The watched folder. */
  readonly root: string;
  /** The entry module (names the app until it first starts). */
  readonly entry: string;
}

function urls(e: DevStarted): string {
  return `${e.http ?? "-"} ${e.dashboard ?? "-"}`;
}

/** Lines of the banner for people. */
export function formatDevBanner(e: DevStarted, context: DevViewContext, ui: Ui): string[] {
  const { c } = ui;
  const label = (name: string) => c.dim(`  ${`${name}:`.padEnd(11)}`);
  const data =
    e.data === null
      ? c.dim("none (the app keeps no state)")
      : e.data.replace(`${context.root}${sep}`, "");
  const groups = Object.entries(e.groups)
    .map(([group, services]) => `${c.cyan(group)} (${services.join(", ")})`)
    .join(", ");
  const lines = [
    `${c.bold(e.app)} ${c.dim(`(${e.env})`)} is ${c.green("running")} under weft dev: every group in this process, restarted on file changes`,
    `${label("http")}${e.http === null ? c.dim("no gateway") : c.bold(e.http)}`,
    `${label("dashboard")}${e.dashboard === null ? c.dim("no admin server") : c.bold(e.dashboard)}`,
    `${label("data")}${data}`,
    `${label("groups")}${groups}`,
    `${label("watching")}${relative(process.cwd(), context.root) || "."} ${c.dim(`(source files; not ${IGNORED_FOLDERS.join(", ")}, dot-folders or tests)`)}`,
  ];
  if (e.ignoredEnv.length > 0) {
    lines.push(
      `${label("ignored")}${c.yellow(e.ignoredEnv.join(", "))} ${c.dim("(weft dev runs the whole app in one process on SQLite)")}`,
    );
  }
  lines.push(c.dim("Press Ctrl+C to stop."));
  return lines;
}

/** Returns the printer of `weft dev`'s events. */
export function devView(ui: Ui, context: DevViewContext): (event: DevEvent) => void {
  let shown: string | undefined;
  let app = relative(context.root, context.entry) || context.entry;
  return (event) => {
    if (ui.json) {
      ui.out(JSON.stringify(event));
      return;
    }
    const { c } = ui;
    switch (event.event) {
      case "ready": {
        app = event.app;
        if (shown !== urls(event)) {
          shown = urls(event);
          for (const line of formatDevBanner(event, context, ui)) ui.out(line);
        } else {
          ui.out(
            `${c.green("restarted")} ${event.app} in ${event.ms} ms ${c.dim(`(${[event.http, event.dashboard].filter((u) => u !== null).join(", dashboard ")})`)}`,
          );
        }
        return;
      }
      case "restarting": {
        const [first, ...more] = event.files;
        const others = more.length === 0 ? "" : ` and ${more.length} more`;
        ui.out(c.cyan(`${first}${others} changed: restarting ${app}`));
        return;
      }
      case "exited": {
        const how = event.signal === null ? `exit code ${event.code}` : `signal ${event.signal}`;
        ui.err(
          c.red(
            event.ready
              ? `${app} exited (${how}); weft dev starts it again on the next change`
              : `${app} failed to start (${how}): fix the error above; weft dev starts it again on the next change`,
          ),
        );
        return;
      }
      case "stopped":
        ui.err(c.dim(`weft dev stopped ${app}`));
    }
  };
}
