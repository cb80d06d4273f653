/** Loads an optional peer dependency (a database driver) with a clear error when it is missing. */
import { failedPrecondition } from "../core/index.js";

/** Imports a driver; a missing package becomes FAILED_PRECONDITION `STORE_DRIVER_MISSING`. */
export async function loadDriver<T>(
  name: string,
  range: string,
  load: () => Promise<{ default: T }>,
): Promise<T> {
  try {
    return (await load()).default;
  } catch (e) {
    throw failedPrecondition(
      "STORE_DRIVER_MISSING",
      `this store needs the optional peer dependency ${name}: npm install ${name}@${range}`,
      { cause: e, metadata: { driver: name } },
    );
  }
}
