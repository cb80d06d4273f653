/**
 * Watches a project's source files for `weft dev`. One `fs.watch` per folder (inotify on Linux,
 * FSEvents on macOS), walked by hand rather than with `recursive: true`, so that `node_modules`
 * and the other ignored folders are never walked nor watched: a recursive watch would put a
 * watcher on each of their thousands of folders. Folders created later are watched as they
 * appear.
 *
 * @example
 * ```ts
 * const watcher = watchSources({ root: process.cwd(), onChange: (file) => console.log(file) });
 * watcher.close();
 * ```
 */
import { type Dirent, type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { basename, extname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** Folders never watched, at any depth (besides every folder whose name starts with a dot). */
export const IGNORED_FOLDERS: readonly string[] = ["node_modules", "dist", "build", "coverage"];

/** Extensions of the files whose changes restart the app. */
export const SOURCE_EXTENSIONS: readonly string[] = [
  ".ts",
  ".mts",
  ".cts",
  ".tsx",
  ".js",
  ".mjs",
  ".cjs",
  ".jsx",
  ".json",
];

/** Whether a folder (by name) is left out of the watch. */
export function isIgnoredFolder(name: string): boolean {
  return name.startsWith(".") || IGNORED_FOLDERS.includes(name);
}

/** Whether a change to `file` (relative to the watched root) restarts the app: tests do not. */
export function isSourceFile(file: string): boolean {
  const parts = file.split(sep);
  if (parts.slice(0, -1).some(isIgnoredFolder)) return false;
  const name = basename(file);
  if (name.startsWith(".")) return false;
  if (/\.(test|spec|test-d)\.[cm]?[jt]sx?$/.test(name)) return false;
  return SOURCE_EXTENSIONS.includes(extname(name));
}

/** Options of {@link watchSources}. */
export interface WatchSourcesOptions {
  /** The project folder. */
  readonly root: string;
  /** Called with the path (relative to `root`) of each source file created, changed or removed. */
  readonly onChange: (file: string) => void;
  /** Absolute folders to leave out too (the SQLite data folder). Default none. */
  readonly ignore?: readonly string[];
}

/** A running watch. */
export interface SourceWatcher {
  /** Folders watched now (for the banner and tests). */
  readonly folders: number;
  /** Leaves other folders out from now on (absolute paths). */
  ignore(folder: string): void;
  /** Stops watching. */
  close(): void;
}

/** Watches the source files below `root`. */
export function watchSources(options: WatchSourcesOptions): SourceWatcher {
  const watchers = new Map<string, FSWatcher>();
  const ignored = new Set(options.ignore ?? []);
  let closed = false;

  const skip = (dir: string) =>
    ignored.has(dir) || (dir !== options.root && isIgnoredFolder(basename(dir)));

  const unwatch = (dir: string) => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };

  const report = (path: string) => {
    const file = relative(options.root, path);
    if (isSourceFile(file)) options.onChange(file);
  };

  /** Watches `dir` and the folders below it; `announce` reports the files found (a new folder). */
  const add = (dir: string, announce: boolean) => {
    if (closed || watchers.has(dir) || skip(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: true }, (_event, name) => {
        if (name !== null) changed(join(dir, name.toString()));
      });
    } catch {
      return; // Gone before it could be watched, or unreadable: nothing to watch.
    }
    watcher.on("error", () => unwatch(dir));
    watchers.set(dir, watcher);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) add(path, announce);
      else if (announce && entry.isFile()) report(path);
    }
  };

  const changed = (path: string) => {
    if (closed) return;
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch {
      // Removed (or renamed away): stop watching it if it was a folder; a removed file matters.
      if (watchers.has(path)) unwatch(path);
      else report(path);
      return;
    }
    if (isFolder) add(path, true);
    else report(path);
  };

  add(options.root, false);
  return {
    get folders() {
      return watchers.size;
    },
    ignore(folder) {
      ignored.add(folder);
      unwatch(folder);
    },
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

/**
 * Whether `folder` (absolute, or relative to `root`) is strictly inside `root`: a data folder at
 * or above the project must not be ignored, or nothing would be watched.
 */
export function isStrictlyInside(folder: string, root: string): boolean {
  const rel = relative(resolve(root), resolve(root, folder));
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
