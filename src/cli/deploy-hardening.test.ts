/**
 * `weft deploy k8s` hardening, checked offline: every object passes Kubernetes' schemas, every pod
 * spec passes Pod Security "restricted" (each rule of the Pod Security Standards written out
 * below), and the PodDisruptionBudgets, NetworkPolicies, migration initContainer, topology spread
 * and CPU autoscaler are wired as docs/cli.md says.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployK8s, type K8sOutput, type Obj, validateSchema } from "./fixtures/k8s-output.js";

type Rule = { name: string; violations(pod: Obj): string[] };

const containersOf = (pod: Obj): Obj[] => [
  ...(pod.spec.initContainers ?? []),
  ...(pod.spec.containers ?? []),
  ...(pod.spec.ephemeralContainers ?? []),
];
/** Each container (and the pod, with `where`) that breaks `bad`. */
const each = (pod: Obj, bad: (sc: Obj) => string | undefined): string[] =>
  [
    ["pod", pod.spec.securityContext ?? {}],
    ...containersOf(pod).map((c) => [`container ${c.name}`, c.securityContext ?? {}]),
  ].flatMap(([where, sc]) => {
    const why = bad(sc);
    return why === undefined ? [] : [`${where}: ${why}`];
  });
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

/** Pod Security Standards, "restricted" profile (which includes every "baseline" rule). */
const RESTRICTED: Rule[] = [
  {
    name: "baseline: HostProcess — no Windows HostProcess containers",
    violations: (pod) =>
      each(pod, (sc) => (sc.windowsOptions?.hostProcess ? "hostProcess" : undefined)),
  },
  {
    name: "baseline: Host Namespaces — hostNetwork, hostPID, hostIPC unset or false",
    violations: (pod) => ["hostNetwork", "hostPID", "hostIPC"].filter((k) => pod.spec[k]),
  },
  {
    name: "baseline: Privileged Containers — privileged unset or false",
    violations: (pod) => each(pod, (sc) => (sc.privileged ? "privileged" : undefined)),
  },
  {
    name: "baseline: HostPath Volumes — none",
    violations: (pod) =>
      (pod.spec.volumes ?? []).filter((v: Obj) => v.hostPath).map((v: Obj) => v.name),
  },
  {
    name: "baseline: Host Ports — hostPort unset or 0",
    violations: (pod) =>
      containersOf(pod).flatMap((c) =>
        (c.ports ?? []).filter((p: Obj) => p.hostPort).map(() => c.name),
      ),
  },
  {
    name: "baseline: AppArmor — RuntimeDefault or Localhost when set",
    violations: (pod) => [
      ...each(pod, (sc) =>
        sc.appArmorProfile && !["RuntimeDefault", "Localhost"].includes(sc.appArmorProfile.type)
          ? sc.appArmorProfile.type
          : undefined,
      ),
      ...Object.entries(pod.metadata?.annotations ?? {})
        .filter(([k]) => k.startsWith("container.apparmor.security.beta.kubernetes.io/"))
        .filter(([, v]) => v !== "runtime/default" && !String(v).startsWith("localhost/"))
        .map(([k]) => k),
    ],
  },
  {
    name: "baseline: SELinux — allowed types only, no custom user or role",
    violations: (pod) =>
      each(pod, (sc) => {
        const o = sc.seLinuxOptions;
        if (o === undefined) return undefined;
        if (o.user !== undefined || o.role !== undefined) return "user or role set";
        return o.type === undefined || SELINUX_TYPES.has(o.type) ? undefined : o.type;
      }),
  },
  {
    name: "baseline: /proc Mount Type — Default",
    violations: (pod) =>
      each(pod, (sc) =>
        sc.procMount !== undefined && sc.procMount !== "Default" ? sc.procMount : undefined,
      ),
  },
  {
    name: "baseline: Sysctls — the safe set only",
    violations: (pod) =>
      (pod.spec.securityContext?.sysctls ?? [])
        .filter((s: Obj) => !SAFE_SYSCTLS.has(s.name))
        .map((s: Obj) => s.name),
  },
  {
    name: "restricted: Volume Types — configMap, csi, downwardAPI, emptyDir, ephemeral, PVC, projected, secret",
    violations: (pod) =>
      (pod.spec.volumes ?? []).flatMap((v: Obj) =>
        Object.keys(v)
          .filter((k) => k !== "name" && !RESTRICTED_VOLUMES.has(k))
          .map((k) => `${v.name}: ${k}`),
      ),
  },
  {
    name: "restricted: Privilege Escalation — allowPrivilegeEscalation false in every container",
    violations: (pod) =>
      containersOf(pod)
        .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
        .map((c) => c.name),
  },
  {
    name: "restricted: Running as Non-root — runAsNonRoot true (pod, or every container)",
    violations: (pod) => {
      const podLevel = pod.spec.securityContext?.runAsNonRoot === true;
      return containersOf(pod)
        .filter((c) => {
          const own = c.securityContext?.runAsNonRoot;
          return own === false || (own !== true && !podLevel);
        })
        .map((c) => c.name);
    },
  },
  {
    name: "restricted: Running as Non-root user — runAsUser not 0",
    violations: (pod) => each(pod, (sc) => (sc.runAsUser === 0 ? "runAsUser 0" : undefined)),
  },
  {
    name: "restricted: Seccomp — RuntimeDefault or Localhost (pod, or every container), never Unconfined",
    violations: (pod) => {
      const ok = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
      const podLevel = ok(pod.spec.securityContext?.seccompProfile?.type);
      return containersOf(pod)
        .filter((c) => {
          const own = c.securityContext?.seccompProfile?.type;
          return own === undefined ? !podLevel : !ok(own);
        })
        .map((c) => c.name);
    },
  },
  {
    name: "restricted: Capabilities — drop ALL, add at most NET_BIND_SERVICE",
    violations: (pod) =>
      containersOf(pod)
        .filter((c) => {
          const caps = c.securityContext?.capabilities ?? {};
          const added = (caps.add ?? []).filter((a: string) => a !== "NET_BIND_SERVICE");
          return !(caps.drop ?? []).includes("ALL") || added.length > 0;
        })
        .map((c) => c.name),
  },
];

/** Asked of Weft's pods beyond the profile. */
const HARDENING: Rule[] = [
  {
    name: "runAsUser and runAsGroup set and non-zero at pod level",
    violations: (pod) => {
      const sc = pod.spec.securityContext ?? {};
      return [sc.runAsUser, sc.runAsGroup].filter((id) => !(Number.isInteger(id) && id > 0));
    },
  },
  {
    name: "read-only root filesystem with a writable emptyDir at /tmp",
    violations: (pod) => {
      const emptyDirs = new Set(
        (pod.spec.volumes ?? []).filter((v: Obj) => v.emptyDir).map((v: Obj) => v.name),
      );
      return containersOf(pod)
        .filter(
          (c) =>
            c.securityContext?.readOnlyRootFilesystem !== true ||
            !(c.volumeMounts ?? []).some(
              (m: Obj) => m.mountPath === "/tmp" && emptyDirs.has(m.name),
            ),
        )
        .map((c) => c.name);
    },
  },
];

let out: K8sOutput;
const pods = () =>
  (out.byKind.get("Deployment") ?? []).map((d: Obj) => [d.metadata.name, d.spec.template]);

beforeAll(async () => {
  out = await deployK8s(
    ["--replicas", "3", "--hpa-max", "6", "--metrics-namespace", "observability"],
    { OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector.observability:4318" },
  );
  expect(out.stderr).toBe("");
  expect(out.status).toBe(0);
}, 120_000);
afterAll(() => rm(out.dir, { recursive: true, force: true }));

describe("weft deploy k8s: every object passes Kubernetes' schemas", () => {
  it("validates every object, of every kind written", () => {
    const all = [...out.byKind.values()].flat();
    expect([...out.byKind.keys()].sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "HorizontalPodAutoscaler",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "Secret",
      "Service",
    ]);
    for (const obj of all) expect(() => validateSchema(obj), obj.kind).not.toThrow();
  });

  it("writes plain YAML: no anchors or aliases, which not every tool expands", async () => {
    for (const file of (await readdir(out.dir)).filter((f) => f.endsWith(".yaml")))
      expect(await readFile(join(out.dir, file), "utf8"), file).not.toMatch(/(:|-) [&*]a\d+\b/);
  });
});

describe.each([...RESTRICTED, ...HARDENING])("pod spec: $name", (rule) => {
  it("holds for every group's pod", () => {
    expect(pods().length).toBe(3);
    for (const [name, pod] of pods()) expect(rule.violations(pod), name).toEqual([]);
  });
});

describe("the restricted check itself", () => {
  it("flags a pod that only forbids privilege escalation (the earlier output)", () => {
    const pod = {
      spec: {
        containers: [{ name: "weft", securityContext: { allowPrivilegeEscalation: false } }],
        volumes: [{ name: "host", hostPath: { path: "/var" } }],
      },
    };
    const failed = [...RESTRICTED, ...HARDENING]
      .filter((r) => r.violations(pod).length > 0)
      .map((r) => r.name.split(" — ")[0]);
    expect(failed).toEqual([
      "baseline: HostPath Volumes",
      "restricted: Volume Types",
      "restricted: Running as Non-root",
      "restricted: Seccomp",
      "restricted: Capabilities",
      "runAsUser and runAsGroup set and non-zero at pod level",
      "read-only root filesystem with a writable emptyDir at /tmp",
    ]);
  });
});

describe("weft deploy k8s: around the pods", () => {
  const named = (kind: string, name: string) =>
    (out.byKind.get(kind) ?? []).find((o: Obj) => o.metadata.name === name);

  it("migrates in an initContainer running `weft migrate` for the group before the app starts", () => {
    for (const [name, pod] of pods()) {
      const [init] = pod.spec.initContainers;
      const [app] = pod.spec.containers;
      expect(init.command, name).toEqual(["npx", "--no-install", "weft", "migrate"]);
      expect(init.image).toBe(app.image);
      expect(init.env).toEqual(app.env);
      expect(init.envFrom).toEqual(app.envFrom);
    }
  });

  it("writes only to emptyDirs (data at WEFT_DATA_DIR, caches in /tmp), and names the OTLP endpoint", () => {
    const [config] = out.byKind.get("ConfigMap") ?? [];
    expect(config.data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      "http://otel-collector.observability:4318",
    );
    for (const [, pod] of pods()) {
      expect(pod.spec.containers[0].volumeMounts).toContainEqual({
        name: "data",
        mountPath: config.data.WEFT_DATA_DIR,
      });
      // npx and tsx keep their caches under HOME and the temp folder: the /tmp emptyDir.
      expect(pod.spec.containers[0].env).toEqual(
        expect.arrayContaining([
          { name: "HOME", value: "/tmp" },
          { name: "npm_config_cache", value: "/tmp/.npm" },
          { name: "npm_config_update_notifier", value: "false" },
        ]),
      );
    }
  });

  it("spreads each group's pods across nodes", () => {
    for (const [name, pod] of pods())
      expect(pod.spec.topologySpreadConstraints, name).toEqual([
        expect.objectContaining({
          topologyKey: "kubernetes.io/hostname",
          maxSkew: 1,
          labelSelector: { matchLabels: pod.metadata.labels },
        }),
      ]);
  });

  it("keeps a PodDisruptionBudget per group of more than one replica, none for one", async () => {
    for (const group of ["edge", "core", "money"]) {
      const pdb = named("PodDisruptionBudget", `split-app-${group}`);
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: {
          matchLabels: named("Deployment", `split-app-${group}`).spec.selector.matchLabels,
        },
      });
    }
    const single = await deployK8s(["--replicas", "1"]);
    try {
      expect(single.status).toBe(0);
      expect(single.byKind.get("PodDisruptionBudget")).toBeUndefined();
      expect(single.byKind.get("HorizontalPodAutoscaler")).toBeUndefined();
      expect(single.byKind.get("Deployment")?.[0].spec.replicas).toBe(1);
    } finally {
      await rm(single.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("scales each group on CPU from --replicas to --hpa-max, leaving replicas to the HPA", () => {
    for (const group of ["edge", "core", "money"]) {
      const hpa = named("HorizontalPodAutoscaler", `split-app-${group}`);
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: `split-app-${group}`,
      });
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 6]);
      expect(hpa.spec.metrics[0].resource).toEqual({
        name: "cpu",
        target: { type: "Utilization", averageUtilization: 70 },
      });
      expect(named("Deployment", `split-app-${group}`).spec.replicas).toBeUndefined();
    }
  });

  it("denies all traffic but HTTP to the gateway, admin from the scraper, and egress to DNS, NATS, PostgreSQL, OTLP", () => {
    const app = { matchLabels: { "app.kubernetes.io/part-of": "split-app" } };
    const deny = named("NetworkPolicy", "split-app-default-deny");
    expect(deny.spec).toEqual({ podSelector: app, policyTypes: ["Ingress", "Egress"] });
    const http = named("NetworkPolicy", "split-app-edge-http");
    expect(http.spec.podSelector.matchLabels).toEqual(
      named("Deployment", "split-app-edge").spec.selector.matchLabels,
    );
    expect(http.spec.ingress).toEqual([{ ports: [{ port: "http", protocol: "TCP" }] }]);
    const metrics = named("NetworkPolicy", "split-app-metrics");
    expect(metrics.spec.podSelector).toEqual(app);
    expect(metrics.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
          },
        ],
        ports: [{ port: "admin", protocol: "TCP" }],
      },
    ]);
    const egress = named("NetworkPolicy", "split-app-egress");
    expect(egress.spec.policyTypes).toEqual(["Egress"]);
    const [dns, rest] = egress.spec.egress;
    expect(dns.to[0].podSelector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
    expect(dns.ports.map((p: Obj) => `${p.protocol}/${p.port}`)).toEqual(["UDP/53", "TCP/53"]);
    expect(rest.ports.map((p: Obj) => p.port)).toEqual([4222, 5432, 4318]);
    expect(egress.spec.egress).toHaveLength(2);
    // No policy lets anything else in: ingress rules are exactly the two above.
    const ingress = (out.byKind.get("NetworkPolicy") ?? []).flatMap(
      (p: Obj) => p.spec.ingress ?? [],
    );
    expect(ingress).toHaveLength(2);
  });
});
