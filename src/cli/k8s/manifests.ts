/**
 * Kubernetes manifests for an app, one Deployment and one Service per placement group: every pod
 * runs the same image with `WEFT_GROUP=<group>`, reads non-secret settings from a ConfigMap and
 * secrets from a Secret (placeholders only), is probed on the admin port (`/livez`, `/readyz`),
 * and drains on shutdown: a `preStop` pause lets endpoints drop the pod before SIGTERM, and the
 * grace period covers the app's own shutdown grace. The group holding a service named `gateway`
 * also exposes the HTTP port. Pods are Pod Security "restricted" and migrate before they start
 * (see pod.ts); PodDisruptionBudgets, NetworkPolicies and autoscalers are in policies.ts.
 * Pure: builds objects, writes nothing.
 */

import {
  dnsName,
  GATEWAY_SERVICE,
  type K8sInput,
  type K8sObject,
  names,
  podLabels,
} from "./names.js";
import { DATA_DIR, podTemplate } from "./pod.js";
import { autoscaler, disruptionBudget, networkPolicies, replicasOf } from "./policies.js";

/** Settings every pod shares (nothing secret). */
export function configMap(input: K8sInput): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: names(input).config,
      labels: { "app.kubernetes.io/part-of": dnsName(input.app) },
    },
    data: {
      WEFT_ENV: "production",
      WEFT_LOG_LEVEL: "info",
      WEFT_SHUTDOWN_GRACE: `${input.shutdownGraceMs}`,
      // Probes come from the kubelet, off loopback: the admin server listens on every interface,
      // which requires WEFT_ADMIN_TOKEN (in the Secret) for its management endpoints.
      WEFT_ADMIN_HOST: "0.0.0.0",
      WEFT_ADMIN_PORT: `${input.adminPort}`,
      WEFT_HTTP_PORT: `${input.httpPort}`,
      // The root filesystem is read-only: the data folder is a writable emptyDir.
      WEFT_DATA_DIR: DATA_DIR,
      ...(input.otlpEndpoint === undefined
        ? {}
        : { OTEL_EXPORTER_OTLP_ENDPOINT: input.otlpEndpoint }),
    },
  };
}

/** The secrets pods need, as placeholders that fail loudly until replaced. */
export function secret(input: K8sInput): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: names(input).secret,
      labels: { "app.kubernetes.io/part-of": dnsName(input.app) },
    },
    type: "Opaque",
    stringData: {
      WEFT_DATABASE_URL: "postgres://weft:REPLACE_ME@postgres:5432/weft",
      WEFT_NATS_URL: "nats://nats:4222",
      WEFT_PRINCIPAL_KEY: "REPLACE_ME",
      WEFT_ADMIN_TOKEN: "REPLACE_ME",
    },
  };
}

/** The Deployment of one group (without `replicas` when an autoscaler owns them). */
export function deployment(input: K8sInput, group: string): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: names(input).group(group), labels: podLabels(input, group) },
    spec: {
      ...(input.hpa === undefined ? { replicas: replicasOf(input) } : {}),
      selector: { matchLabels: podLabels(input, group) },
      template: podTemplate({
        input,
        group,
        labels: podLabels(input, group),
        configName: names(input).config,
        secretName: names(input).secret,
        isGateway: isGatewayGroup(input, group),
      }),
    },
  };
}

/** True for the group that holds the service named `gateway`. */
export function isGatewayGroup(input: K8sInput, group: string): boolean {
  return input.groups[group]?.includes(GATEWAY_SERVICE) === true;
}

/** The Service of one group: the admin port (metrics, health), and HTTP for the gateway's group. */
export function service(input: K8sInput, group: string): K8sObject {
  const isGateway = isGatewayGroup(input, group);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: names(input).group(group), labels: podLabels(input, group) },
    spec: {
      type: "ClusterIP",
      selector: podLabels(input, group),
      ports: [
        { name: "admin", port: input.adminPort, targetPort: "admin", protocol: "TCP" },
        ...(isGateway
          ? [{ name: "http", port: input.httpPort, targetPort: "http", protocol: "TCP" }]
          : []),
      ],
    },
  };
}

/**
 * The namespace, when one is asked for: Pod Security "restricted" warns and audits (enforcing it
 * would also refuse the NATS or PostgreSQL pods the README installs beside the app).
 */
export function namespace(name: string): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    },
  };
}

/** Every file of the output folder: file name → objects (one YAML document each). */
export function manifestFiles(input: K8sInput): Record<string, K8sObject[]> {
  const files: Record<string, K8sObject[]> = {};
  if (input.namespace !== undefined) files["namespace.yaml"] = [namespace(input.namespace)];
  files["configmap.yaml"] = [configMap(input)];
  files["secret.yaml"] = [secret(input)];
  for (const group of Object.keys(input.groups)) {
    const hpa = autoscaler(input, group);
    files[`${dnsName(group)}.yaml`] = [
      deployment(input, group),
      service(input, group),
      ...(replicasOf(input) > 1 ? [disruptionBudget(input, group)] : []),
      ...(hpa === undefined ? [] : [hpa]),
    ];
  }
  const gateway = Object.keys(input.groups).find((g) => isGatewayGroup(input, g));
  files["network-policies.yaml"] = networkPolicies(input, gateway);
  return files;
}

/** The kustomization listing every file (and the namespace to put them in). */
export function kustomization(input: K8sInput, files: readonly string[]): Record<string, unknown> {
  return {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
    resources: [...files],
  };
}
