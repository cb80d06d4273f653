/**
 * What the Kubernetes manifests are made from and the names and labels they share: the bottom of
 * the k8s modules (manifests.ts, pod.ts, policies.ts and readme.ts import it; it imports none).
 */

/** What the manifests are made from. */
export interface K8sInput {
  readonly app: string;
  /** Group → services. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  readonly image: string;
  readonly namespace?: string | undefined;
  /** The app's shutdown grace in ms (WEFT_SHUTDOWN_GRACE). */
  readonly shutdownGraceMs: number;
  readonly adminPort: number;
  readonly httpPort: number;
  /** Replicas per group. Default 2. */
  readonly replicas?: number | undefined;
  /** The OTLP endpoint pods export to (`OTEL_EXPORTER_OTLP_ENDPOINT`). Default: none. */
  readonly otlpEndpoint?: string | undefined;
  /** Ports pods may reach besides DNS. Default NATS 4222, PostgreSQL 5432, no OTLP. */
  readonly egress?:
    | { natsPort?: number; postgresPort?: number; otlpPort?: number | undefined }
    | undefined;
  /** Who may scrape the admin port. Default: pods `app.kubernetes.io/name=prometheus` in `monitoring`. */
  readonly metricsScraper?:
    | { namespace?: string; pods?: Readonly<Record<string, string>> }
    | undefined;
  /** A CPU HorizontalPodAutoscaler per group, from `replicas` up to `maxReplicas`. Default: none. */
  readonly hpa?: { maxReplicas: number; cpuPercent: number } | undefined;
}

/** A Kubernetes object as plain data. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string } & Record<string, unknown>;
} & Record<string, unknown>;

/** The service whose group takes HTTP traffic from outside. */
export const GATEWAY_SERVICE = "gateway";

/** A DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters. */
export function dnsName(...parts: string[]): string {
  return parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

/** The names the manifests use. */
export function names(input: K8sInput) {
  return {
    config: dnsName(input.app, "config"),
    secret: dnsName(input.app, "secrets"),
    group: (group: string) => dnsName(input.app, group),
  };
}

/** Labels of a group's pods. */
export function podLabels(input: K8sInput, group: string) {
  return {
    "app.kubernetes.io/name": dnsName(input.app),
    "app.kubernetes.io/component": dnsName(group),
    "app.kubernetes.io/part-of": dnsName(input.app),
  };
}
