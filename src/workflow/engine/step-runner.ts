/**
 * Runs one step's code: attempts with backoff, a per-attempt timeout, and the step context. A
 * failure is retried unless it is a Weft error marked not retryable (like INVALID_ARGUMENT): such
 * errors are terminal. Unknown throwables are retried.
 */
import {
  deadlineExceeded,
  failedPrecondition,
  isWeftError,
  normalizeError,
  toMilliseconds,
  type WeftError,
} from "../../core/index.js";
import { exponentialBackoff, sleep } from "../../resilience/backoff.js";
import type { StepContext, StepOptions } from "../authoring/types.js";
import type { ExecutionHost } from "./host.js";

/** What a step's attempts came to. */
export type StepResult =
  | { ok: true; value: unknown; attempts: number }
  | { ok: false; error: WeftError; attempts: number };

/** Runs a step's code with its retries and timeout. */
export async function runStep(
  host: ExecutionHost,
  where: { runId: string; workflow: string; step: string; seq: number },
  fn: (ctx: StepContext) => Promise<unknown>,
  options: StepOptions<unknown> | undefined,
): Promise<StepResult> {
  const retry = options?.retry === false ? { attempts: 1 } : (options?.retry ?? {});
  const attempts = Math.max(1, retry.attempts ?? 3);
  // Between half and all of 100 ms doubling up to 10 s, by default.
  const backoff = exponentialBackoff({
    initial: toMilliseconds(retry.initial ?? "100ms", "retry.initial"),
    max: toMilliseconds(retry.max ?? "10s", "retry.max"),
    jitter: "equal",
  });
  const timeoutMs =
    options?.timeout === undefined ? undefined : toMilliseconds(options.timeout, "timeout");
  for (let attempt = 1; ; attempt++) {
    // Counted from 0 in every attempt, so a retry's n-th transaction finds the n-th recorded one.
    let txIndex = 0;
    let publishIndex = 0;
    let openTx = 0;
    const controller = new AbortController();
    const ctx: StepContext = {
      runId: where.runId,
      workflow: where.workflow,
      step: where.step,
      attempt,
      signal: controller.signal,
      logger: host.logger.child({ runId: where.runId, step: where.step, attempt }),
      client: (contract) => host.client(contract, where.runId, where.step),
      // Transactions are numbered per step (not per attempt): a retry finds earlier ones recorded.
      tx: async (body) => {
        const index = txIndex++;
        openTx++;
        try {
          return await host.stepTransaction(where.runId, where.seq, index, body);
        } finally {
          openTx--;
        }
      },
      // Outside the step's transactions only: an event that should commit with one goes through
      // its handle (`tx.publish`), and awaiting a transaction of its own in there could deadlock.
      publish: (topic, event, publishOptions) =>
        openTx > 0
          ? Promise.reject(
              failedPrecondition(
                "PUBLISH_IN_TX",
                `step ${where.step} called ctx.publish while its ctx.tx is open: use tx.publish(topic, event) on the transaction's handle`,
              ),
            )
          : host.publish(where.runId, where.seq, publishIndex++, topic, event, publishOptions),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = fn(ctx);
      const value =
        timeoutMs === undefined
          ? await work
          : await Promise.race([
              work,
              new Promise((_, reject) => {
                timer = setTimeout(() => {
                  const error = deadlineExceeded(
                    "STEP_TIMEOUT",
                    `step ${where.step} timed out after ${timeoutMs} ms`,
                  );
                  controller.abort(error);
                  reject(error);
                }, timeoutMs);
              }),
            ]);
      return { ok: true, value, attempts: attempt };
    } catch (thrown) {
      // The journal is for operators: keep what an unknown throwable said (callers never see it).
      const error = isWeftError(thrown)
        ? thrown
        : normalizeError(thrown).with({
            message: `step ${where.step} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          });
      const terminal = isWeftError(thrown) && !thrown.retryable && thrown.reason !== "STEP_TIMEOUT";
      if (terminal || attempt >= attempts) return { ok: false, error, attempts: attempt };
      await sleep(backoff(attempt));
    } finally {
      clearTimeout(timer);
    }
  }
}
