/**
 * Notices that the store's disk is full, for readiness. A `SELECT 1` answers while every write
 * fails with `STORE_DISK_FULL`, so the store's readiness check would say "ready" to a load
 * balancer that keeps sending writes to a process that cannot keep them. The watch wraps the
 * store: a write failing with `STORE_DISK_FULL` marks it full; a write that changed rows, or (for
 * a SQLite file) more free space on its filesystem than when the write failed, clears the mark —
 * recovery needs no restart.
 */
import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { isWeftError } from "../core/index.js";
import type { Store } from "./types.js";

/** Free space, beyond what the filesystem had when a write failed, that counts as "freed". */
const FREED_BYTES = 1024 * 1024;

/** A store wrapped to notice disk-full writes, and its readiness check. */
export interface DiskWatch {
  readonly store: Store;
  /** Throws while writes fail with a full disk; returns nothing otherwise. */
  check(): Promise<void>;
}

async function freeBytes(path: string | undefined): Promise<number | undefined> {
  if (path === undefined) return undefined;
  try {
    const s = await statfs(dirname(path));
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

function isDiskFull(error: unknown): boolean {
  return isWeftError(error) && error.reason === "STORE_DISK_FULL";
}

/** Wraps `store` (a SQLite file at `sqlitePath`, if known) to notice disk-full writes. */
export function watchDisk(store: Store, sqlitePath?: string): DiskWatch {
  let full: { at: number; free: number | undefined } | undefined;
  const failed = (error: unknown) => {
    if (isDiskFull(error) && full === undefined) {
      full = { at: Date.now(), free: undefined };
      const mark = full;
      void freeBytes(sqlitePath).then((free) => {
        mark.free = free;
      });
    }
    throw error;
  };
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === "transaction") {
        return (fn: never, options?: never) => target.transaction(fn, options).catch(failed);
      }
      if (key === "query") {
        return (statement: never) => target.query(statement).catch(failed);
      }
      if (key === "execute") {
        return async (statement: never) => {
          const result = await target.execute(statement).catch(failed);
          // A committed change (store.execute is always autocommit) proves writes land again.
          if (result.rowCount > 0) full = undefined;
          return result;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    store: wrapped,
    async check() {
      if (full === undefined) return;
      const now = await freeBytes(sqlitePath);
      if (now !== undefined && full.free !== undefined && now >= full.free + FREED_BYTES) {
        full = undefined;
        return;
      }
      throw new Error(
        `writes fail: the disk is full (STORE_DISK_FULL) since ${new Date(full.at).toISOString()}${now === undefined ? "" : `; ${now} bytes free`}`,
      );
    },
  };
}
