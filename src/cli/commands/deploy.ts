/**
 * `weft deploy k8s [entry] --out DIR [--image IMG] [--namespace NS] [...]`: writes Kubernetes
 * manifests for the app's placement groups (Pod Security "restricted", NetworkPolicies,
 * PodDisruptionBudgets, an optional CPU autoscaler), a kustomization and a README into DIR (files
 * of the same names are replaced; others are left alone).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { WEFT_CONFIG_SLICES } from "../../config-slices.js";
import { invalidArgument, resolveConfig } from "../../core/index.js";
import { GATEWAY_CONFIG } from "../../gateway/config.js";
import { ADMIN_CONFIG } from "../../observe/admin/config.js";
import { kustomization, manifestFiles } from "../k8s/manifests.js";
import { dnsName, type K8sInput } from "../k8s/names.js";
import { deployReadme } from "../k8s/readme.js";
import { loadDefinition } from "../open-app.js";
import { createUi } from "../ui.js";

interface DeployOptions {
  out?: string;
  image?: string;
  namespace?: string;
  replicas: string;
  natsPort: string;
  postgresPort: string;
  otlpEndpoint?: string;
  metricsNamespace: string;
  metricsPods: string;
  hpaMax?: string;
  hpaCpu: string;
  json?: boolean;
}

function wholeNumber(flag: string, value: string, min: number, max = 65535): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw invalidArgument(
      "INVALID_OPTION",
      `${flag} must be a whole number from ${min} to ${max} (got ${value})`,
    );
  return n;
}

/** `k=v,k2=v2` → labels; each key and value a plain label. */
function labelsOf(flag: string, value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of value.split(",")) {
    const m = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(pair.trim());
    if (m === null)
      throw invalidArgument(
        "INVALID_OPTION",
        `${flag} must be key=value pairs separated by commas (got ${value})`,
      );
    labels[m[1] as string] = m[2] as string;
  }
  return labels;
}

/** The port of an OTLP endpoint URL (its scheme's default when it names none). */
function otlpPort(endpoint: string): number {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw invalidArgument(
      "INVALID_OPTION",
      `--otlp-endpoint must be an http(s) URL such as http://otel-collector:4318 (got ${endpoint})`,
    );
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/** Registers `weft deploy k8s` on the program. */
export function registerDeploy(cli: Command, out: (line: string) => void): void {
  const deploy = cli.command("deploy").description("write deployment files for the app");
  deploy
    .command("k8s")
    .description("write Kubernetes manifests: a Deployment and a Service per placement group")
    .argument("[entry]", "module that default-exports defineApp({...}); default: weft.config.ts")
    .requiredOption("-o, --out <dir>", "folder to write the manifests to")
    .option("--image <image>", "container image that runs `weft start` (default: <app>:latest)")
    .option("-n, --namespace <ns>", "namespace to create and deploy into")
    .option("--replicas <n>", "pods per group", "2")
    .option("--nats-port <port>", "port pods may reach NATS on", "4222")
    .option("--postgres-port <port>", "port pods may reach PostgreSQL on", "5432")
    .option(
      "--otlp-endpoint <url>",
      "OTLP endpoint pods export to and may reach (default: $OTEL_EXPORTER_OTLP_ENDPOINT)",
    )
    .option("--metrics-namespace <ns>", "namespace of the metrics scraper", "monitoring")
    .option(
      "--metrics-pods <k=v,...>",
      "labels of the metrics scraper's pods",
      "app.kubernetes.io/name=prometheus",
    )
    .option("--hpa-max <n>", "add a CPU HorizontalPodAutoscaler per group, up to n pods")
    .option("--hpa-cpu <percent>", "average CPU utilization the autoscaler aims for", "70")
    .option("--json", "print JSON")
    .action((entry: string | undefined, opts: DeployOptions) => writeManifests(entry, opts, out));
}

function groupFileWhat(input: K8sInput, file: string): string {
  const group = Object.keys(input.groups).find((g) => `${dnsName(g)}.yaml` === file);
  const extra = [
    ...((input.replicas ?? 2) > 1 ? ["PodDisruptionBudget"] : []),
    ...(input.hpa === undefined ? [] : ["HPA"]),
  ];
  return `Deployment + Service${extra.map((e) => ` + ${e}`).join("")}, WEFT_GROUP=${group}`;
}

async function writeManifests(
  entry: string | undefined,
  opts: DeployOptions,
  out: (line: string) => void,
): Promise<void> {
  const ui = createUi({ json: opts.json, out });
  const replicas = Number(opts.replicas);
  if (!Number.isInteger(replicas) || replicas < 1)
    throw invalidArgument(
      "INVALID_OPTION",
      `--replicas must be a whole number >= 1 (got ${opts.replicas})`,
    );
  if (dnsName(opts.metricsNamespace) !== opts.metricsNamespace)
    throw invalidArgument(
      "INVALID_OPTION",
      `--metrics-namespace must be lowercase letters, digits and "-" (got ${opts.metricsNamespace})`,
    );
  const hpaMax =
    opts.hpaMax === undefined ? undefined : wholeNumber("--hpa-max", opts.hpaMax, replicas, 1000);
  const otlpEndpoint = opts.otlpEndpoint ?? (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined);
  if (opts.namespace !== undefined && dnsName(opts.namespace) !== opts.namespace)
    throw invalidArgument(
      "INVALID_OPTION",
      `--namespace must be lowercase letters, digits and "-" (got ${opts.namespace}; try ${dnsName(opts.namespace)})`,
    );
  const definition = await loadDefinition(entry);
  // The definition's config and WEFT_* variables here decide the grace period and ports.
  const config = resolveConfig({
    definition: definition.config,
    env: process.env,
    slices: WEFT_CONFIG_SLICES,
  });
  const app = config.app ?? definition.name;
  const admin = config.get(ADMIN_CONFIG);
  const { http } = config.get(GATEWAY_CONFIG);
  const input: K8sInput = {
    app,
    groups: definition.groups ?? { main: definition.services.map((s) => s.contract.name) },
    image: opts.image ?? `${dnsName(app)}:latest`,
    namespace: opts.namespace,
    shutdownGraceMs: config.shutdownGraceMs,
    adminPort: admin.port === 0 ? 9464 : admin.port,
    httpPort: http.port === 0 ? 3000 : http.port,
    replicas,
    otlpEndpoint,
    egress: {
      natsPort: wholeNumber("--nats-port", opts.natsPort, 1),
      postgresPort: wholeNumber("--postgres-port", opts.postgresPort, 1),
      otlpPort: otlpEndpoint === undefined ? undefined : otlpPort(otlpEndpoint),
    },
    metricsScraper: {
      namespace: opts.metricsNamespace,
      pods: labelsOf("--metrics-pods", opts.metricsPods),
    },
    hpa:
      hpaMax === undefined
        ? undefined
        : { maxReplicas: hpaMax, cpuPercent: wholeNumber("--hpa-cpu", opts.hpaCpu, 1, 1000) },
  };
  const dir = opts.out as string;
  mkdirSync(dir, { recursive: true });
  const files = manifestFiles(input);
  const written: string[] = [];
  for (const [file, objects] of Object.entries(files)) {
    writeFileSync(
      join(dir, file),
      objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join("---\n"),
    );
    written.push(file);
  }
  writeFileSync(join(dir, "kustomization.yaml"), stringify(kustomization(input, written)));
  writeFileSync(join(dir, "README.md"), deployReadme(input, written));
  const all = [...written, "kustomization.yaml", "README.md"];
  ui.result(
    {
      out: dir,
      app,
      image: input.image,
      namespace: input.namespace ?? null,
      groups: input.groups,
      files: all,
    },
    () => {
      const { c } = ui;
      ui.out(`Wrote ${all.length} files to ${relative(process.cwd(), dir) || "."}:`);
      ui.out(
        ui
          .table(
            ["FILE", "WHAT"],
            all.map((f) => [
              f,
              f === "kustomization.yaml"
                ? "kubectl apply -k lists these"
                : f === "README.md"
                  ? "what to bring (NATS, PostgreSQL) and how to apply"
                  : f === "secret.yaml"
                    ? c.yellow("placeholders: replace before applying")
                    : f === "configmap.yaml"
                      ? "non-secret WEFT_* settings"
                      : f === "namespace.yaml"
                        ? `namespace ${input.namespace}`
                        : f === "network-policies.yaml"
                          ? "NetworkPolicies: deny all but what the app needs"
                          : groupFileWhat(input, f),
            ]),
          )
          .replace(/^/gm, "  "),
      );
      if (opts.image === undefined)
        ui.out(
          c.yellow(
            `Image: ${input.image} (pass --image registry/${dnsName(app)}:tag for a real one)`,
          ),
        );
      ui.out(
        `Next: read ${join(relative(process.cwd(), dir) || ".", "README.md")}, fill in secret.yaml, then kubectl apply -k ${relative(process.cwd(), dir) || "."}`,
      );
    },
  );
}
