/** How many units of each product the catalog starts with. */

/** Units in stock of every seeded product, before any order. */
export const INITIAL_STOCK = 10_000;
