/**
 * The events routes of the admin API, over the app's events client (`events(app)`):
 *
 * - `GET /api/events/stats` — broker, outbox backlog and lag, topics with their consumers, each
 *   consumer's queue depth, dead letters and the handling this process recorded recently
 * - `GET /api/events/dead-letters?consumer=&topic=&limit=&redriven=true` — dead letters, newest first
 * - `POST /api/events/dead-letters/:id/redrive` — deliver again to the consumer that gave up
 * - `POST /api/events/dead-letters/:id/discard` — delete for good
 *
 * An app with no topics answers `{ enabled: false }` to the stats and NOT_FOUND to the rest.
 */
import { type App, failedPrecondition, invalidArgument } from "../core/index.js";
import { type EventsClient, events } from "../events/index.js";
import { type AdminServer, OBSERVE } from "../observe/index.js";
import { callStats } from "./service-stats.js";

function eventsOf(app: App): EventsClient | undefined {
  try {
    return events(app);
  } catch {
    return undefined;
  }
}

function required(app: App): EventsClient {
  const client = eventsOf(app);
  if (client === undefined) {
    throw failedPrecondition("EVENTS_NOT_USED", `app ${app.name} declares no topics`);
  }
  return client;
}

function limitOf(query: URLSearchParams): number | undefined {
  const raw = query.get("limit");
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,5}$/.test(raw)) {
    throw invalidArgument("INVALID_QUERY", "limit must be a whole number", {
      issues: [{ path: ["query", "limit"], message: "must be a whole number" }],
    });
  }
  return Number(raw);
}

/** Adds the events routes. */
export function addEventsRoutes(route: AdminServer["route"], app: App): void {
  route("GET", "/api/events/stats", async () => {
    const client = eventsOf(app);
    if (client === undefined) return { json: { enabled: false } };
    const stats = await client.stats();
    const observe = app.use(OBSERVE);
    const spans = observe.recorder.spans();
    const now = Date.now();
    const consumers = stats.consumers.map((c) => ({
      ...c,
      handled: callStats(
        spans.filter(
          (s) => s.kind === "internal" && s.service === c.service && s.method === `on ${c.topic}`,
        ),
        now,
        observe.topology.since,
      ),
    }));
    return { json: { enabled: true, ...stats, consumers } };
  });
  route("GET", "/api/events/dead-letters", async ({ query }) => {
    const limit = limitOf(query);
    const consumer = query.get("consumer");
    const topic = query.get("topic");
    const deadLetters = await required(app).deadLetters({
      ...(consumer === null || consumer === "" ? {} : { consumer }),
      ...(topic === null || topic === "" ? {} : { topic }),
      ...(limit === undefined ? {} : { limit }),
      redriven: query.get("redriven") === "true",
    });
    return { json: { deadLetters } };
  });
  route("POST", "/api/events/dead-letters/:id/redrive", async ({ params }) => {
    await required(app).redrive(params.id as string);
    return { json: { id: params.id, redriven: true } };
  });
  route("POST", "/api/events/dead-letters/:id/discard", async ({ params }) => {
    await required(app).discard(params.id as string);
    return { json: { id: params.id, discarded: true } };
  });
}
