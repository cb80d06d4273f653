/**
 * Names that never collide between test files running in parallel against shared servers: use one
 * per test for the app name (which namespaces subjects, streams and schemas).
 */
import { randomBytes } from "node:crypto";

let counter = 0;

/** A fresh name `base-<pid>-<n>-<random>`, valid as an app, subject token and schema name. */
export function uniqueName(base: string): string {
  counter += 1;
  return `${base}-${process.pid}-${counter}-${randomBytes(3).toString("hex")}`.replace(/-/g, "_");
}
