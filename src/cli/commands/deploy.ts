/**
 * `weft deploy k8s [entry] --out DIR [--image IMG] [--namespace NS]`: writes Kubernetes manifests
 * for the app's placement groups, a kustomization and a README into DIR (files of the same names
 * are replaced; others are left alone).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { WEFT_CONFIG_SLICES } from "../../config-slices.js";
import { invalidArgument, resolveConfig } from "../../core/index.js";
import { GATEWAY_CONFIG } from "../../gateway/config.js";
import { ADMIN_CONFIG } from "../../observe/admin/config.js";
import { dnsName, type K8sInput, kustomization, manifestFiles } from "../k8s/manifests.js";
import { deployReadme } from "../k8s/readme.js";
import { loadDefinition } from "../open-app.js";
import { createUi } from "../ui.js";

interface DeployOptions {
  out?: string;
  image?: string;
  namespace?: string;
  replicas: string;
  json?: boolean;
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
    .option("--json", "print JSON")
    .action((entry: string | undefined, opts: DeployOptions) => writeManifests(entry, opts, out));
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
  };
  const dir = opts.out as string;
  mkdirSync(dir, { recursive: true });
  const files = manifestFiles(input);
  const written: string[] = [];
  for (const [file, objects] of Object.entries(files)) {
    writeFileSync(join(dir, file), objects.map((o) => stringify(o)).join("---\n"));
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
                        : `Deployment + Service, WEFT_GROUP=${Object.keys(input.groups).find((g) => `${dnsName(g)}.yaml` === f)}`,
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
