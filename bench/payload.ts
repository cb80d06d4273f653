/**
 * The call every call benchmark makes: the same 2-field payload, the same validation (zod for
 * Weft, fastest-validator for Moleculer), the same work.
 */
import { z } from "zod";

/** The input of the benchmarked method. */
export type Input = { a: string; b: number };
/** Its output. */
export type Output = { n: number };

/** The same payload for every contender, every call. */
export const PAYLOAD: Input = { a: "hello", b: 42 };
/** A payload every validating contender must refuse. */
export const BAD_PAYLOAD = { a: 1, b: "x" } as unknown as Input;

/** The work every handler does once its input is valid. */
export const work = ({ a, b }: Input): Output => ({ n: a.length + b });

/** Weft's schemas. */
export const ZodInput = z.object({ a: z.string(), b: z.number() });
/** Weft's output schema. */
export const ZodOutput = z.object({ n: z.number() });
/** Moleculer's equivalent schema. */
export const FV_SCHEMA = { a: "string", b: "number" } as const;
