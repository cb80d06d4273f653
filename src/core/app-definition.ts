/**
 * App definitions: {@link defineApp} checks a spec (services, groups, workflows, topics) and makes
 * the frozen value that `createApp` runs, in every placement.
 */

import type { AppHooks } from "./app-types.js";
import { ConfigError, type ConfigInput } from "./config.js";
import type { TopicLike } from "./context.js";
import type { ServiceImplementation } from "./contract.js";
import type { FieldIssue } from "./errors.js";
import type { Middleware } from "./handler.js";

/** What {@link defineApp} takes. */
export interface AppSpec {
  /** The app's name: letters, digits, `-`, `_`. Namespaces everything the app creates. */
  name: string;
  /** Service implementations (every service of the system, whatever the placement). */
  services: readonly ServiceImplementation[];
  /** Named groups of service names. Default: one group `main` with every service. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Middleware on every call served (`server`) and made (`client`), outermost first. */
  middleware?: { server?: readonly Middleware[]; client?: readonly Middleware[] };
  /** Configuration; `WEFT_*` variables and createApp options override it. */
  config?: ConfigInput;
  hooks?: AppHooks;
  /** Durable workflows (`defineWorkflow` from `weft/workflow`); they need a store. */
  workflows?: readonly WorkflowLike[];
  /**
   * Topics the app's services publish (`defineTopic` from `weft`). Topics that services subscribe
   * to are known from their subscriptions; list here the ones only published.
   */
  topics?: readonly TopicLike[];
  /**
   * Give the app a store for `ctx.tx` even without workflows or events. Default: only when the
   * app has workflows, topics or subscriptions.
   */
  store?: boolean;
}

/** What core knows of a workflow definition: that it is one, and its name. */
export interface WorkflowLike {
  readonly kind: "weft.workflow";
  readonly name: string;
}

/** A validated app definition: a value, safe to import from many places. */
export interface AppDefinition {
  readonly kind: "weft.app";
  readonly name: string;
  readonly services: readonly ServiceImplementation[];
  readonly groups: Readonly<Record<string, readonly string[]>> | undefined;
  readonly middleware: {
    readonly server: readonly Middleware[];
    readonly client: readonly Middleware[];
  };
  readonly config: ConfigInput | undefined;
  readonly hooks: AppHooks;
  readonly workflows: readonly WorkflowLike[];
  /** Every topic: declared ones and those subscribed to, by name. */
  readonly topics: readonly TopicLike[];
  /** True when the app needs a store (workflows, topics, subscriptions, or `store: true`). */
  readonly store: boolean;
}

const SPEC_KEYS = new Set([
  "name",
  "services",
  "groups",
  "middleware",
  "config",
  "hooks",
  "workflows",
  "topics",
  "store",
]);

/**
 * Declares an app. Unknown keys, a bad name, a value that is not an implementation and two
 * implementations of one service are reported together.
 */
export function defineApp(spec: AppSpec): AppDefinition {
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key))
      issues.push({ path: [key], message: `unknown key (known: ${[...SPEC_KEYS].join(", ")})` });
  }
  if (typeof spec.name !== "string" || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(spec.name)) {
    issues.push({
      path: ["name"],
      message: 'must start with a letter and use only letters, digits, "-" and "_"',
    });
  }
  const seen = new Set<string>();
  (spec.services ?? []).forEach((impl, i) => {
    if (impl?.kind !== "weft.implementation") {
      issues.push({ path: ["services", i], message: "must be contract.implement({...})" });
    } else if (seen.has(impl.contract.name)) {
      issues.push({
        path: ["services", i],
        message: `service "${impl.contract.name}" is implemented twice`,
      });
    } else seen.add(impl.contract.name);
  });
  const workflowNames = new Set<string>();
  (spec.workflows ?? []).forEach((wf, i) => {
    if (wf?.kind !== "weft.workflow") {
      issues.push({ path: ["workflows", i], message: "must be defineWorkflow(...)" });
    } else if (workflowNames.has(wf.name)) {
      issues.push({ path: ["workflows", i], message: `workflow "${wf.name}" is listed twice` });
    } else workflowNames.add(wf.name);
  });
  const topics = new Map<string, TopicLike>();
  (spec.topics ?? []).forEach((topic, i) => {
    if (topic?.kind !== "weft.topic") {
      issues.push({ path: ["topics", i], message: "must be defineTopic(...)" });
    } else if (topics.has(topic.name) && topics.get(topic.name) !== topic) {
      issues.push({ path: ["topics", i], message: `two topics are named "${topic.name}"` });
    } else topics.set(topic.name, topic);
  });
  for (const impl of spec.services ?? []) {
    for (const subscription of impl?.subscriptions ?? []) {
      const known = topics.get(subscription.topic.name);
      if (known !== undefined && known !== subscription.topic) {
        issues.push({
          path: ["services", impl.contract.name, "subscriptions"],
          message: `subscribes to a different topic also named "${subscription.topic.name}"`,
        });
      } else topics.set(subscription.topic.name, subscription.topic);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    kind: "weft.app",
    name: spec.name,
    services: [...spec.services],
    groups: spec.groups,
    middleware: { server: spec.middleware?.server ?? [], client: spec.middleware?.client ?? [] },
    config: spec.config,
    hooks: spec.hooks ?? {},
    workflows: [...(spec.workflows ?? [])],
    topics: [...topics.values()],
    store: spec.store === true || (spec.workflows ?? []).length > 0 || topics.size > 0,
  });
}
