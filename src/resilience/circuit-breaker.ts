/**
 * A circuit breaker per remote service, as client middleware. After `failureThreshold`
 * consecutive failures that point at the callee's health (UNAVAILABLE, DEADLINE_EXCEEDED,
 * INTERNAL, RESOURCE_EXHAUSTED), calls to that service fail at once with UNAVAILABLE
 * `CIRCUIT_OPEN` for `cooldown`; then one probe call is let through (half-open): success closes
 * the circuit, failure opens it again. Business errors (NOT_FOUND, INVALID_ARGUMENT, …) count as
 * successes: the callee answered.
 */
import {
  type Duration,
  type ErrorCode,
  type Middleware,
  normalizeError,
  toMilliseconds,
  unavailable,
} from "../core/index.js";

/** Reasons that are about this process's connection (or the breaker itself), not the callee. */
const TRANSPORT_REASONS = new Set([
  "CIRCUIT_OPEN",
  "NOT_CONNECTED",
  "CONNECTION_LOST",
  "PUBLISH_FAILED",
]);

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls. Default `"5s"`. */
  cooldown?: Duration;
  /** Codes that count as failures. Default UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED. */
  failureCodes?: readonly ErrorCode[];
  /** Called when a circuit changes state. */
  onStateChange?: (service: string, state: CircuitState) => void;
  /** Clock in ms; replaced in tests. Default `Date.now`. */
  now?: () => number;
}

/** State of one service's circuit. */
export type CircuitState = "closed" | "open" | "half-open";

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  probing: boolean;
}

/** Circuit breaker middleware for clients; one circuit per called service. */
export function circuitBreaker(options: CircuitBreakerOptions = {}): Middleware {
  const threshold = options.failureThreshold ?? 5;
  const cooldownMs = toMilliseconds(options.cooldown ?? "5s", "cooldown");
  const failureCodes = new Set<ErrorCode>(
    options.failureCodes ?? ["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "RESOURCE_EXHAUSTED"],
  );
  const now = options.now ?? Date.now;
  const circuits = new Map<string, Circuit>();
  const move = (service: string, c: Circuit, state: CircuitState) => {
    if (c.state === state) return;
    c.state = state;
    options.onStateChange?.(service, state);
  };
  const succeeded = (service: string, c: Circuit, probe: boolean) => {
    if (probe) c.probing = false;
    c.failures = 0;
    move(service, c, "closed");
  };
  const failed = (service: string, c: Circuit, probe: boolean, thrown: unknown): never => {
    if (probe) c.probing = false;
    const error = normalizeError(thrown);
    // Losing the connection to the broker says nothing about the callee's health.
    if (failureCodes.has(error.code) && !TRANSPORT_REASONS.has(error.reason)) {
      c.failures += 1;
      if (probe || c.failures >= threshold) {
        c.openedAt = now();
        move(service, c, "open");
      }
    } else {
      c.failures = 0;
      move(service, c, "closed");
    }
    throw error;
  };
  return (next) => (ctx, input) => {
    let c = circuits.get(ctx.service);
    if (c === undefined) {
      c = { state: "closed", failures: 0, openedAt: 0, probing: false };
      circuits.set(ctx.service, c);
    }
    const circuit = c;
    if (circuit.state === "open" && now() - circuit.openedAt >= cooldownMs) {
      move(ctx.service, circuit, "half-open");
    }
    const probe = circuit.state === "half-open" && !circuit.probing;
    if (circuit.state === "open" || (circuit.state === "half-open" && !probe)) {
      return Promise.reject(
        unavailable("CIRCUIT_OPEN", `calls to ${ctx.service} are paused after repeated failures`, {
          metadata: { service: ctx.service, cooldownMs: String(cooldownMs) },
          mayHaveRun: false,
        }),
      );
    }
    if (probe) circuit.probing = true;
    let sent: Promise<unknown>;
    try {
      sent = next(ctx, input);
    } catch (e) {
      sent = Promise.reject(e);
    }
    // Plain `.then`: on the success path this costs one promise, not an async frame.
    return sent.then(
      (output) => {
        succeeded(ctx.service, circuit, probe);
        return output;
      },
      (thrown: unknown) => failed(ctx.service, circuit, probe, thrown),
    );
  };
}
