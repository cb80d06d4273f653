/** The admin API's answers, as the pages read them. */

/** `GET /api/app`: the app and its process. */
export interface AppInfo {
  name: string;
  state: string;
  env: string;
  groups: Record<string, string[]>;
  running: string[];
  localServices: string[];
  remoteServices: string[];
  transport: string;
  instance: string;
  pid: number;
  hostname: string;
  node: string;
  weft: string;
  uptimeSeconds: number;
  admin: string | null;
}

/** Volume, errors and latency of calls. */
export interface CallStats {
  calls: number;
  errors: number;
  perSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  lastAt: number | null;
}

/** One method (or performed operation) of a service. */
export interface MethodStats extends CallStats {
  name: string;
  kind: "method" | "operation";
  description: string | null;
  idempotent: boolean | null;
}

/** A process serving services. */
export interface ProcessInfo {
  app: string;
  instance: string;
  pid: number;
  hostname: string;
  groups: string[];
}

/** One service on the Services page. */
export interface ServiceStats extends CallStats {
  name: string;
  group: string | null;
  local: boolean;
  measured: "served" | "called";
  processes: ProcessInfo[];
  methods: MethodStats[];
}

/** One caller → callee edge of the call graph. */
export interface EdgeStats extends CallStats {
  from: string | null;
  to: string;
  remote: number;
}

/** `GET /api/services`. */
export interface ServicesAnswer {
  now: number;
  since: number;
  windowMs: number;
  process: ProcessInfo;
  services: ServiceStats[];
  edges: EdgeStats[];
}

/** An error as the API shows it. */
export interface ErrorInfo {
  code: string;
  reason: string;
  message: string;
  metadata?: Record<string, string>;
}

/** One trace in the recent-traces list. */
export interface TraceSummary {
  traceId: string;
  name: string;
  root: { service: string; method: string; kind: string };
  services: string[];
  apps: string[];
  startTime: number;
  durationMs: number;
  spans: number;
  errors: number;
  error: (ErrorInfo & { service: string; method: string }) | null;
}

/** `GET /api/traces`. */
export interface TracesAnswer {
  traces: TraceSummary[];
  recorded: number;
  held: number;
  capacity: number;
}

/** One span of a trace. */
export interface SpanView {
  name: string;
  kind: "client" | "server" | "internal";
  app: string;
  service: string;
  method: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  caller: string | null;
  startTime: number;
  durationMs: number;
  error: ErrorInfo | null;
  remote: boolean;
  bytes: number | null;
}

/** `GET /api/topology`. */
export interface TopologyAnswer {
  app: string;
  since: number;
  now: number;
  groups: Record<string, string[]>;
  services: { name: string; group: string; local: boolean }[];
}

/** A workflow run in the list. */
export interface RunSummary {
  id: string;
  workflow: string;
  version: string;
  status: string;
  parentId?: string;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  completedAt?: number;
  wakeAt?: number;
  error?: ErrorInfo;
}

/** One recorded step of a run. */
export interface StepRecord {
  seq: number;
  name: string;
  kind: string;
  ok: boolean;
  output?: unknown;
  error?: ErrorInfo;
  startedAt: number;
  endedAt: number;
  attempts: number;
}

/** `GET /api/workflows/:id`: a run with its steps. */
export interface RunDetails extends RunSummary {
  input?: unknown;
  output?: unknown;
  steps: StepRecord[];
}

/** A consumer of a topic, with the handling this process recorded. */
export interface ConsumerStats {
  name: string;
  service: string;
  topic: string;
  pending?: number;
  deadLetters: number;
  handled: CallStats;
}

/** `GET /api/events/stats` of an app with events. */
export interface EventStats {
  enabled: true;
  broker: string;
  outbox: { pending: number; oldestAgeMs?: number };
  consumers: ConsumerStats[];
  deliveries: { done: number; duplicate: number; skipped: number; retried: number; dead: number };
  topics: { name: string; consumers: string[] }[];
}

/** An event a consumer gave up on. */
export interface DeadLetter {
  id: string;
  consumer: string;
  event: { id: string; topic: string; key?: string; payload: string; publishedAt: number };
  error: ErrorInfo;
  attempts: number;
  createdAt: number;
  redrivenAt?: number;
}

/** One group of the Errors page. */
export interface ErrorGroup {
  code: string;
  reason: string;
  count: number;
  spans: number;
  message: string;
  origin: string;
  services: string[];
  firstAt: number;
  lastAt: number;
  sampleTraceId: string;
}

/** Statuses a run never leaves by itself. */
export const FINAL_STATUSES = new Set(["completed", "failed", "compensated", "cancelled"]);

/** Every run status, in lifecycle order. */
export const RUN_STATUSES = [
  "pending",
  "running",
  "sleeping",
  "compensating",
  "completed",
  "failed",
  "compensated",
  "cancelled",
] as const;

/** Traffic that crosses processes in one placement (`GET /api/placement`). */
export interface CrossFigure {
  label: string;
  processes: number | null;
  callsPerSecond: number;
  bytesPerSecond: number | null;
}

/** Traffic between two services, both directions (calls per second). */
export interface PairTraffic {
  a: string;
  b: string;
  weight: number;
  latencyMs?: number;
}

/** The advisor's suggestion. */
export interface PlacementSuggestion {
  groups: Record<string, string[]>;
  method: "exact" | "heuristic";
  explanation: string[];
  kept: PairTraffic[];
  cut: PairTraffic[];
  moves: { service: string; from: string; to: string }[];
  crossProcess: {
    now: CrossFigure;
    before: CrossFigure | null;
    after: CrossFigure;
    total: CrossFigure;
  };
  config: {
    groups: Record<string, string[]>;
    snippet: string;
    processes: { group: string; env: { WEFT_GROUP: string }; command: string }[];
  };
}

/** `GET /api/placement`. */
export interface PlacementAnswer {
  k: number;
  services: string[];
  windowSeconds: number;
  rules: { together: string[][]; apart: string[][]; maxServices: number | null };
  current: { groups: Record<string, string[]>; oneProcess: boolean | null };
  suggestion: PlacementSuggestion | null;
}
