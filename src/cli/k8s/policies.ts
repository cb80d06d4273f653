/**
 * The objects around the Deployments: a PodDisruptionBudget per group with more than one replica,
 * NetworkPolicies that deny everything the app does not need, and an optional CPU
 * HorizontalPodAutoscaler per group. Pure: builds objects, writes nothing.
 *
 * Traffic the NetworkPolicies allow, and nothing else: HTTP into the gateway's group; the admin
 * port from the metrics scraper; out to DNS (kube-dns), NATS, PostgreSQL and, when configured,
 * the OTLP endpoint. Groups never call each other directly: calls between them go over NATS.
 */
import { dnsName, type K8sInput, type K8sObject, names, podLabels } from "./names.js";

/** The metrics scraper by default: Prometheus pods in the `monitoring` namespace. */
export const DEFAULT_SCRAPER = {
  namespace: "monitoring",
  pods: { "app.kubernetes.io/name": "prometheus" },
} as const;
/** The ports pods reach by default: NATS 4222, PostgreSQL 5432, no OTLP endpoint. */
export const DEFAULT_EGRESS = { natsPort: 4222, postgresPort: 5432 } as const;

/** DNS: kube-dns (CoreDNS keeps that label) in kube-system, UDP and TCP 53. */
const DNS_PEER = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

/** Selects every pod of the app. */
function appSelector(input: K8sInput) {
  return { matchLabels: { "app.kubernetes.io/part-of": dnsName(input.app) } };
}

function meta(input: K8sInput, name: string) {
  return { name, labels: { "app.kubernetes.io/part-of": dnsName(input.app) } };
}

/** A PodDisruptionBudget keeping all but one pod of a group up during voluntary disruptions. */
export function disruptionBudget(input: K8sInput, group: string): K8sObject {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: names(input).group(group), labels: podLabels(input, group) },
    spec: { maxUnavailable: 1, selector: { matchLabels: podLabels(input, group) } },
  };
}

/** A HorizontalPodAutoscaler on CPU, from the group's replicas up to `input.hpa.maxReplicas`. */
export function autoscaler(input: K8sInput, group: string): K8sObject | undefined {
  if (input.hpa === undefined) return undefined;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: names(input).group(group), labels: podLabels(input, group) },
    spec: {
      scaleTargetRef: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: names(input).group(group),
      },
      minReplicas: replicasOf(input),
      maxReplicas: input.hpa.maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: input.hpa.cpuPercent },
          },
        },
      ],
    },
  };
}

/** Replicas per group (default 2). */
export function replicasOf(input: K8sInput): number {
  return input.replicas ?? 2;
}

/** Every NetworkPolicy: deny by default, then the ingress and egress the app needs. */
export function networkPolicies(input: K8sInput, gatewayGroup: string | undefined): K8sObject[] {
  const n = (suffix: string) => dnsName(input.app, suffix);
  const scraper = { ...DEFAULT_SCRAPER, ...input.metricsScraper };
  const egress = { ...DEFAULT_EGRESS, ...input.egress };
  const egressPorts = [
    { port: egress.natsPort, protocol: "TCP" },
    { port: egress.postgresPort, protocol: "TCP" },
    ...(egress.otlpPort === undefined ? [] : [{ port: egress.otlpPort, protocol: "TCP" }]),
  ];
  const policies: K8sObject[] = [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(input, n("default-deny")),
      spec: { podSelector: appSelector(input), policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(input, n("egress")),
      spec: {
        podSelector: appSelector(input),
        policyTypes: ["Egress"],
        egress: [
          {
            to: [DNS_PEER],
            ports: [
              { port: 53, protocol: "UDP" },
              { port: 53, protocol: "TCP" },
            ],
          },
          // NATS, PostgreSQL and the OTLP collector may live anywhere (in the cluster or a
          // managed service): the rule pins the ports; narrow `to` once you know where they are.
          { ports: egressPorts },
        ],
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(input, n("metrics")),
      spec: {
        podSelector: appSelector(input),
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": scraper.namespace },
                },
                podSelector: { matchLabels: { ...scraper.pods } },
              },
            ],
            ports: [{ port: "admin", protocol: "TCP" }],
          },
        ],
      },
    },
  ];
  if (gatewayGroup !== undefined)
    policies.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(input, n(`${gatewayGroup}-http`)),
      spec: {
        podSelector: { matchLabels: podLabels(input, gatewayGroup) },
        policyTypes: ["Ingress"],
        ingress: [{ ports: [{ port: "http", protocol: "TCP" }] }],
      },
    });
  return policies;
}
