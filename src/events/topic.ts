/**
 * Topics are values, like contracts: a name and the schema of its events. Services publish with
 * `ctx.publish(topic, event)` and consume with `subscribe(topic, handler)`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineTopic } from "weft";
 * export const orderPlaced = defineTopic("order.placed", z.object({ orderId: z.string() }));
 * ```
 */
import {
  type InferIn,
  type InferOut,
  invalidArgument,
  isStandardSchema,
  type StandardSchemaV1,
  type TopicLike,
} from "../core/index.js";

/** A topic: a name and the schema its events must satisfy. */
export interface Topic<S extends StandardSchemaV1 = StandardSchemaV1>
  extends TopicLike<InferIn<S>> {
  /** Validates events when published and again when consumed. */
  readonly schema: S;
  /** One line for docs and the dashboard. */
  readonly description: string | undefined;
}

/** What a handler of topic `T` receives. */
export type EventOf<T extends Topic> = InferOut<T["schema"]>;

/** Any topic (the constraint generic code uses). */
// biome-ignore lint/suspicious/noExplicitAny: schemas vary per topic.
export type AnyTopic = Topic<any>;

const TOPIC_NAME = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

/**
 * Declares a topic. Names are lowercase words separated by dots (`order.placed`): they become
 * NATS subject tokens when the app is split.
 */
export function defineTopic<S extends StandardSchemaV1>(
  name: string,
  schema: S,
  options: { readonly description?: string } = {},
): Topic<S> {
  if (typeof name !== "string" || !TOPIC_NAME.test(name) || name.length > 128) {
    throw invalidArgument(
      "INVALID_TOPIC_NAME",
      `topic name ${JSON.stringify(name)} must be lowercase words of letters, digits, "-" or "_" separated by dots, e.g. "order.placed"`,
      {
        issues: [
          { path: ["name"], message: "must match /^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*$/" },
        ],
      },
    );
  }
  if (!isStandardSchema(schema)) {
    throw invalidArgument(
      "INVALID_SCHEMA",
      `topic ${name}: the event schema must be a Standard Schema (zod, valibot, arktype, …)`,
      { issues: [{ path: ["schema"], message: "must implement Standard Schema v1" }] },
    );
  }
  return Object.freeze({
    kind: "weft.topic" as const,
    name,
    schema,
    description: options.description,
  });
}

/** Tells whether a value is a topic made by {@link defineTopic}. */
export function isTopic(value: unknown): value is AnyTopic {
  return (
    (value as TopicLike | null)?.kind === "weft.topic" &&
    isStandardSchema((value as AnyTopic).schema)
  );
}
