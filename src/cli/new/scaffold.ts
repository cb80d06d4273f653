/**
 * Creating an app from `templates/app` of the weft package: the files are copied with
 * `__APP_NAME__`, the dependency versions and the `weft` dependency filled in, and `gitignore`
 * renamed `.gitignore` (npm leaves `.gitignore` files out of packages).
 *
 * Dependency versions come from weft's own package.json (the ranges weft is tested with). The
 * `weft` dependency is, by default, the running weft itself: `file:<its folder>` from a checkout,
 * or `^<version>` when it was installed from a registry. With `linkDeps`, every dependency is a
 * `file:` link into the folders where this weft finds them, so `npm install --offline` needs no
 * registry and no cache (for machines without network; needs weft's dev dependencies, as in a
 * checkout).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { invalidArgument } from "../../core/index.js";

/** The weft package this code belongs to (src/cli/new or dist/cli/new → the package root). */
export const WEFT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Dependencies of a new app, and where weft keeps their version ranges. */
const DEPENDENCIES = {
  zod: { token: "__ZOD__", from: "devDependencies" },
  "better-sqlite3": { token: "__BETTER_SQLITE3__", from: "peerDependencies" },
  vitest: { token: "__VITEST__", from: "devDependencies" },
  typescript: { token: "__TYPESCRIPT__", from: "devDependencies" },
  "@types/node": { token: "__TYPES_NODE__", from: "devDependencies" },
} as const;

/** Options of {@link scaffold}. */
export interface ScaffoldOptions {
  /** Folder to create the app in (must not exist or be empty). */
  readonly dir: string;
  /** App name. Default: the folder's name, made valid. */
  readonly name?: string;
  /** npm spec of the weft dependency. Default: this weft (see the module comment). */
  readonly weft?: string;
  /** Link every dependency from this weft's own node_modules (offline installs). */
  readonly linkDeps?: boolean;
  /** The weft package to copy templates from. Default {@link WEFT_ROOT}. */
  readonly weftRoot?: string;
}

/** What {@link scaffold} created. */
export interface ScaffoldResult {
  readonly dir: string;
  readonly name: string;
  readonly weft: string;
  readonly files: readonly string[];
  /** Dependency → spec written to package.json. */
  readonly dependencies: Readonly<Record<string, string>>;
  /** Things to do before the app runs (e.g. build a weft checkout). */
  readonly warnings: readonly string[];
}

/** The app name for a folder: letters, digits, `-`, `_`, starting with a letter. */
export function appNameFor(dir: string): string {
  const cleaned = basename(resolve(dir))
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^[^A-Za-z]+/, "");
  return cleaned === "" ? "app" : cleaned;
}

/** Finds a package the way Node would from `from`: the nearest node_modules/<name>. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

/** Drops dependencies left without a spec (the SQLite driver of a linked weft). */
function withoutUnused(text: string, specs: Readonly<Record<string, string>>): string {
  const pkg = JSON.parse(text) as Record<string, Record<string, string>>;
  for (const field of ["dependencies", "devDependencies"]) {
    const deps = pkg[field] ?? {};
    for (const dep of Object.keys(deps)) if (specs[dep] === undefined) delete deps[dep];
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Creates the app; throws INVALID_ARGUMENT (with advice) for a non-empty folder or a bad name. */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const root = options.weftRoot ?? WEFT_ROOT;
  const dir = resolve(options.dir);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw invalidArgument(
      "DIR_NOT_EMPTY",
      `${options.dir} already exists and is not empty: choose a new folder (weft new my-app) or empty this one`,
      { metadata: { dir } },
    );
  }
  const name = options.name ?? appNameFor(dir);
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw invalidArgument(
      "INVALID_NAME",
      `app name ${JSON.stringify(name)} must start with a letter and use only letters, digits, "-" and "_" (pass --name)`,
    );
  }
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<
    string,
    Record<string, string> | string
  >;
  const installed = root.split(sep).includes("node_modules");
  const warnings: string[] = [];
  const weft =
    options.weft ??
    (options.linkDeps || !installed ? `file:${root.replace(/[\\/]$/, "")}` : `^${pkg.version}`);
  if (weft.startsWith("file:") && !existsSync(join(root, "dist", "index.js"))) {
    warnings.push(
      `${root.replace(/[\\/]$/, "")} has no build: the app imports weft's built files, so run \`npm run build\` there first`,
    );
  }
  const specs: Record<string, string> = { weft };
  for (const [dep, { from }] of Object.entries(DEPENDENCIES)) {
    // A linked weft loads the SQLite driver from its own folder; linking the native module into
    // the app would only make npm rebuild it in place.
    if (options.linkDeps && dep === "better-sqlite3") continue;
    if (options.linkDeps) {
      const found = findPackage(dep, root);
      if (found === undefined) {
        throw invalidArgument(
          "DEPENDENCY_NOT_FOUND",
          `--link-deps needs ${dep} installed next to weft (${root}); run npm install in the weft checkout, or drop --link-deps to install from the registry`,
        );
      }
      specs[dep] = `file:${found}`;
    } else {
      const range = (pkg[from] as Record<string, string> | undefined)?.[dep];
      specs[dep] = range ?? "*";
    }
  }
  const tokens: [string, string][] = [
    ["__APP_NAME__", name],
    ["__WEFT__", weft],
    ...Object.entries(DEPENDENCIES).map(([dep, { token }]): [string, string] => [
      token,
      specs[dep] ?? "",
    ]),
  ];
  const templates = join(root, "templates", "app");
  const files: string[] = [];
  for (const file of listFiles(templates).sort()) {
    const target = file === "gitignore" ? ".gitignore" : file;
    let text = readFileSync(join(templates, file), "utf8");
    for (const [token, value] of tokens) text = text.split(token).join(value);
    if (file === "package.json") text = withoutUnused(text, specs);
    mkdirSync(dirname(join(dir, target)), { recursive: true });
    writeFileSync(join(dir, target), text);
    files.push(target);
  }
  return { dir, name, weft, files, dependencies: specs, warnings };
}
