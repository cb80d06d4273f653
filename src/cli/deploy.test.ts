/**
 * `weft deploy k8s` writes manifests that Kubernetes' own schemas accept (checked offline with
 * kubernetes-models) and that are wired as Weft needs: one Deployment and Service per group with
 * its WEFT_GROUP, probes on the admin port, the gateway's HTTP port, a drain before SIGTERM, and
 * secrets that stop the pods until they are replaced.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { WEFT_CONFIG_SLICES } from "../config-slices.js";
import { ConfigError, resolveConfig } from "../core/index.js";
import { ADMIN_CONFIG } from "../observe/admin/config.js";
import { deployK8s, type Obj, validateSchema } from "./fixtures/k8s-output.js";

let dir: string;
let stdout: string;
let byKind: Map<string, Obj[]>;

beforeAll(async () => {
  const r = await deployK8s(["--image", "registry.example/split:1.2.3", "--namespace", "split"]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  ({ dir, stdout, byKind } = r);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const deploymentOf = (group: string) =>
  byKind.get("Deployment")?.find((d) => d.spec.template.spec.containers[0].env[0].value === group);

describe("weft deploy k8s", () => {
  it("writes objects that pass Kubernetes' schemas", () => {
    const all = [...byKind.values()].flat();
    // Namespace, ConfigMap, Secret; Deployment, Service, PDB per group; 4 NetworkPolicies.
    expect(all.length).toBe(1 + 1 + 1 + 3 * 3 + 4);
    for (const obj of all) expect(() => validateSchema(obj), obj.kind).not.toThrow();
  });

  it("runs each group in its own Deployment with WEFT_GROUP, the ConfigMap and the Secret", () => {
    const [config] = byKind.get("ConfigMap") ?? [];
    const [secret] = byKind.get("Secret") ?? [];
    for (const group of ["edge", "core", "money"]) {
      const d = deploymentOf(group);
      expect(d, group).toBeDefined();
      expect(d.metadata.name).toBe(`split-app-${group}`);
      expect(d.file).toBe(`${group}.yaml`);
      const c = d.spec.template.spec.containers[0];
      expect(c.image).toBe("registry.example/split:1.2.3");
      expect(c.env).toContainEqual({ name: "WEFT_GROUP", value: group });
      expect(c.envFrom).toEqual([
        { configMapRef: { name: config.metadata.name } },
        { secretRef: { name: secret.metadata.name } },
      ]);
      expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits).toBeDefined();
    }
  });

  it("probes /livez and /readyz on the admin port, reachable off loopback", () => {
    const [config] = byKind.get("ConfigMap") ?? [];
    expect(config.data.WEFT_ADMIN_HOST).toBe("0.0.0.0");
    expect(config.data.WEFT_ADMIN_PORT).toBe("9464");
    const c = deploymentOf("core").spec.template.spec.containers[0];
    expect(c.ports).toEqual([{ name: "admin", containerPort: 9464, protocol: "TCP" }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/livez", port: "admin" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "admin" });
  });

  it("exposes the HTTP port only for the gateway's group", () => {
    const services = byKind.get("Service") ?? [];
    const edge = services.find((s) => s.metadata.name === "split-app-edge");
    const core = services.find((s) => s.metadata.name === "split-app-core");
    expect(edge.spec.ports).toContainEqual({
      name: "http",
      port: 3000,
      targetPort: "http",
      protocol: "TCP",
    });
    expect(core.spec.ports.map((p: Obj) => p.name)).toEqual(["admin"]);
    const edgePorts = deploymentOf("edge").spec.template.spec.containers[0].ports;
    expect(edgePorts).toContainEqual({ name: "http", containerPort: 3000, protocol: "TCP" });
    for (const s of services)
      expect(s.spec.selector).toEqual(
        deploymentOf(s.metadata.labels["app.kubernetes.io/component"]).spec.template.metadata
          .labels,
      );
  });

  it("drains before SIGTERM and gives the app its shutdown grace plus a margin", () => {
    const spec = deploymentOf("money").spec.template.spec;
    expect(spec.containers[0].lifecycle.preStop.exec.command).toEqual(["sleep", "5"]);
    expect(spec.terminationGracePeriodSeconds).toBe(40 + 5 + 5);
    expect((byKind.get("ConfigMap") ?? [])[0].data.WEFT_SHUTDOWN_GRACE).toBe("40000");
  });

  it("holds placeholders, never secrets: pods refuse to start until they are replaced", () => {
    const [config] = byKind.get("ConfigMap") ?? [];
    const [secret] = byKind.get("Secret") ?? [];
    expect(Object.keys(secret.stringData).sort()).toEqual([
      "WEFT_ADMIN_TOKEN",
      "WEFT_DATABASE_URL",
      "WEFT_NATS_URL",
      "WEFT_PRINCIPAL_KEY",
    ]);
    const podEnv = { ...config.data, ...secret.stringData, WEFT_GROUP: "core" };
    let error: unknown;
    try {
      resolveConfig({ env: podEnv, slices: WEFT_CONFIG_SLICES });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path[0]);
    expect(paths).toEqual(expect.arrayContaining(["WEFT_PRINCIPAL_KEY", "WEFT_ADMIN_TOKEN"]));
    // Once replaced, the same ConfigMap is a valid configuration.
    const filled = {
      ...podEnv,
      WEFT_PRINCIPAL_KEY: "k".repeat(64),
      WEFT_ADMIN_TOKEN: "t".repeat(48),
    };
    expect(
      resolveConfig({ env: filled, slices: WEFT_CONFIG_SLICES }).get(ADMIN_CONFIG),
    ).toMatchObject({ host: "0.0.0.0", port: 9464 });
  });

  it("writes a kustomization of every file, a namespace, and a README on NATS and PostgreSQL", async () => {
    const kustomization = parseYaml(await readFile(join(dir, "kustomization.yaml"), "utf8"));
    const yamlFiles = (await readdir(dir)).filter(
      (f) => f.endsWith(".yaml") && f !== "kustomization.yaml",
    );
    expect([...kustomization.resources].sort()).toEqual(yamlFiles.sort());
    expect(kustomization.namespace).toBe("split");
    expect(byKind.get("Namespace")?.[0].metadata).toEqual({
      name: "split",
      labels: {
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    });
    const readme = await readFile(join(dir, "README.md"), "utf8");
    expect(readme).toContain("config.jetstream.enabled=true");
    expect(readme).toContain("WEFT_DATABASE_URL");
    expect(stdout).toContain("fill in secret.yaml");
  });

  it.each([
    [["--replicas", "3", "--hpa-max", "2"], "--hpa-max must be a whole number from 3 to 1000"],
    [["--otlp-endpoint", "otel:4318"], "--otlp-endpoint must be an http(s) URL"],
    [["--metrics-pods", "prometheus"], "--metrics-pods must be key=value pairs"],
    [["--metrics-namespace", "Monitoring"], "--metrics-namespace must be lowercase"],
    [["--postgres-port", "70000"], "--postgres-port must be a whole number from 1 to 65535"],
  ])("refuses %j, naming the option", async (args, message) => {
    const r = await deployK8s(args);
    await rm(r.dir, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
