/**
 * The pod template of a group, hardened to Pod Security "restricted": non-root user and group,
 * RuntimeDefault seccomp, every capability dropped, no privilege escalation, a read-only root
 * filesystem with writable emptyDirs for `/tmp` and the data folder. An initContainer runs
 * `weft migrate` for the group before the app starts (safe from many pods at once: each migration
 * is applied once under the store's migration lock), and pods spread across nodes.
 */
import type { K8sInput } from "./names.js";

/** Seconds the `preStop` hook waits so that Services stop routing to the pod before SIGTERM. */
export const PRE_STOP_SECONDS = 5;
/** Extra seconds past the app's grace before Kubernetes kills the pod. */
export const GRACE_MARGIN_SECONDS = 5;
/** The user and group pods run as: `node` in the official Node images. */
export const RUN_AS_ID = 1000;
/** Where the writable data folder (`WEFT_DATA_DIR`) is mounted. */
export const DATA_DIR = "/var/lib/weft";

/** The container settings "restricted" asks for, plus a read-only root filesystem. */
export const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
} as const;

/** What a group's pod template is made from. */
export interface PodInput {
  readonly input: K8sInput;
  readonly group: string;
  readonly labels: Record<string, string>;
  readonly configName: string;
  readonly secretName: string;
  readonly isGateway: boolean;
}

/** The pod template (`spec.template`) of one group's Deployment. */
export function podTemplate(p: PodInput): Record<string, unknown> {
  const { input, group } = p;
  const ports = [
    { name: "admin", containerPort: input.adminPort, protocol: "TCP" },
    ...(p.isGateway ? [{ name: "http", containerPort: input.httpPort, protocol: "TCP" }] : []),
  ];
  const probe = (path: string, period: number, failures: number) => ({
    httpGet: { path, port: "admin" },
    periodSeconds: period,
    timeoutSeconds: 2,
    failureThreshold: failures,
  });
  // npm (behind npx) and tsx write caches under HOME and the temp folder: both on the emptyDir.
  // npm's update check would reach for the registry, which the NetworkPolicies do not allow.
  const env = [
    { name: "WEFT_GROUP", value: group },
    { name: "HOME", value: "/tmp" },
    { name: "npm_config_cache", value: "/tmp/.npm" },
    { name: "npm_config_update_notifier", value: "false" },
  ];
  const envFrom = [{ configMapRef: { name: p.configName } }, { secretRef: { name: p.secretName } }];
  const volumeMounts = [
    { name: "tmp", mountPath: "/tmp" },
    { name: "data", mountPath: DATA_DIR },
  ];
  const resources = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "1", memory: "512Mi" },
  };
  return {
    metadata: { labels: p.labels },
    spec: {
      terminationGracePeriodSeconds:
        Math.ceil(input.shutdownGraceMs / 1000) + PRE_STOP_SECONDS + GRACE_MARGIN_SECONDS,
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: RUN_AS_ID,
        runAsGroup: RUN_AS_ID,
        fsGroup: RUN_AS_ID,
        seccompProfile: { type: "RuntimeDefault" },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          // ScheduleAnyway: a one-node cluster still runs every replica.
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: p.labels },
        },
      ],
      initContainers: [
        {
          name: "migrate",
          image: input.image,
          command: ["npx", "--no-install", "weft", "migrate"],
          env,
          envFrom,
          volumeMounts,
          resources,
          securityContext: CONTAINER_SECURITY,
        },
      ],
      containers: [
        {
          name: "weft",
          image: input.image,
          env,
          envFrom,
          ports,
          volumeMounts,
          livenessProbe: probe("/livez", 10, 3),
          readinessProbe: probe("/readyz", 5, 2),
          startupProbe: probe("/livez", 2, 30),
          lifecycle: { preStop: { exec: { command: ["sleep", String(PRE_STOP_SECONDS)] } } },
          resources,
          securityContext: CONTAINER_SECURITY,
        },
      ],
      volumes: [
        { name: "tmp", emptyDir: {} },
        { name: "data", emptyDir: {} },
      ],
    },
  };
}
