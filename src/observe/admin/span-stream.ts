/**
 * `GET /api/events/stream`: finished spans and the traces they belong to, pushed as Server-Sent
 * Events. Spans are batched (every 250 ms, at most 1,000 a batch; the rest are counted as
 * dropped) so a busy app does not flood a dashboard; a slow reader loses batches rather than
 * growing this process's memory.
 *
 * Events: `hello` `{ app, instance }` once; `spans` `{ spans: SpanView[], dropped }`; `traces`
 * `{ traces: TraceSummary[] }` (the traces touched by the batch, as the recorder holds them now).
 */
import type { App, FinishedSpan } from "../../core/index.js";
import type { Observability } from "../observability.js";
import { viewSpan } from "../span-view.js";
import type { AdminHandler } from "./router.js";

const FLUSH_MS = 250;
const MAX_BATCH = 1_000;
const HEARTBEAT_MS = 15_000;

/** The handler of the span stream. */
export function spanStream(app: App, observe: Observability): AdminHandler {
  return () => ({
    stream(response) {
      response.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      let blocked = false;
      const send = (event: string, data: unknown): void => {
        if (blocked) return;
        blocked = !response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      response.on("drain", () => {
        blocked = false;
      });
      response.write("retry: 2000\n\n");
      send("hello", { app: app.name, instance: observe.instance });
      let batch: FinishedSpan[] = [];
      let dropped = 0;
      const unsubscribe = observe.subscribe((span) => {
        if (batch.length < MAX_BATCH) batch.push(span);
        else dropped += 1;
      });
      const flush = setInterval(() => {
        if (batch.length === 0 && dropped === 0) return;
        if (blocked) {
          dropped += batch.length;
          batch = [];
          return;
        }
        const spans = batch;
        batch = [];
        send("spans", { spans: spans.map(viewSpan), dropped });
        dropped = 0;
        send("traces", {
          traces: observe.recorder.summaries(new Set(spans.map((s) => s.traceId))),
        });
      }, FLUSH_MS);
      flush.unref();
      const heartbeat = setInterval(() => {
        if (!blocked) response.write(": ping\n\n");
      }, HEARTBEAT_MS);
      heartbeat.unref();
      response.once("close", () => {
        unsubscribe();
        clearInterval(flush);
        clearInterval(heartbeat);
      });
    },
  });
}
