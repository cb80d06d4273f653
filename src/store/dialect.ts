/**
 * The SQL dialect name, in a module of its own at the bottom of the store's layering so the SQL
 * tag, values and migrations can name it without importing the store seam (`types.ts`).
 */

/** Which SQL dialect a store speaks. */
export type Dialect = "sqlite" | "postgres";
