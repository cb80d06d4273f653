/**
 * Configuration slices: each subsystem (store, NATS, gateway, admin server) owns the `WEFT_*`
 * variables it reads and the typed value they resolve to. A slice is registered by the extension
 * that needs it (`AppExtension.configSlices`); core reads every registered slice's variables with
 * its own, so unknown variables, `*_FILE` secrets and every problem at once work the same for all.
 * The resolved value is read with `app.config.get(SLICE)`.
 *
 * @example
 * ```ts
 * export const QUEUE_CONFIG = defineConfigSlice({
 *   name: "queue",
 *   variables: {
 *     queueUrl: { env: "WEFT_QUEUE_URL", secret: true, help: "amqp://… URL", parse: text },
 *   },
 *   resolve: (v) => ({ url: v.queueUrl ?? "amqp://localhost" }),
 * });
 * // in an extension: { name: "queue", configSlices: [QUEUE_CONFIG], start(app) { app.config.get(QUEUE_CONFIG).url } }
 * ```
 */

/** A value a variable's `parse` refused, with the rule it broke (made by {@link invalid}). */
export class InvalidValue {
  constructor(
    /** What the value must be, e.g. `must be a port number from 0 to 65535`. */
    readonly rule: string,
  ) {}
}

/** Refuses a value in a variable's `parse`, naming the rule (`invalid("must be …")`). */
export function invalid(rule: string): InvalidValue {
  return new InvalidValue(rule);
}

/** One setting: its `WEFT_*` variable, a help line, and how a value is read. */
export interface ConfigVariable<T> {
  /** The environment variable (also read from a file named by `<env>_FILE`). */
  readonly env: string;
  /** One line for `--help` and the docs. */
  readonly help: string;
  /** The default `resolve` applies when unset, as `weft config` shows it. Default none shown. */
  readonly shownDefault?: string;
  /** Never echo its value in errors (URLs with passwords, tokens, keys). Default false. */
  readonly secret?: boolean;
  /** Parses a value given in code, or a string from the environment; `invalid(rule)` refuses it. */
  readonly parse: (value: unknown) => T | InvalidValue;
}

/** The variables of a slice, by their key in config objects (`databaseUrl`, `httpPort`). */
export type ConfigVariables = Readonly<Record<string, ConfigVariable<unknown>>>;

/** The parsed value of each variable of `V`, undefined when no source set it. */
export type ConfigValues<V extends ConfigVariables> = {
  readonly [K in keyof V]: Exclude<ReturnType<V[K]["parse"]>, InvalidValue> | undefined;
};

/** What a slice's `resolve` may use besides its values. */
export interface SliceContext<K extends string = string> {
  /** Where the app runs (`development`, `test`, `production`). */
  readonly env: string;
  /** Reports a problem found across fields (e.g. a missing token), named by the variable. */
  report(key: K, message: string): void;
}

/** A registered slice: its variables and how their values resolve to `T`. Made by {@link defineConfigSlice}. */
export interface ConfigSlice<T> {
  readonly kind: "weft.config-slice";
  /** For errors and the variable list (`store`, `nats`, `gateway`, `admin`). */
  readonly name: string;
  readonly variables: ConfigVariables;
  /** Turns the parsed values into the slice's config (defaults applied, cross-field rules). */
  resolve(values: Readonly<Record<string, unknown>>, context: SliceContext): T;
}

/**
 * Defines a slice of configuration; its variables' keys and names must be unique across all
 * slices (else resolving throws FAILED_PRECONDITION `CONFIG_SLICE_CONFLICT`). Give a generic parser
 * its type argument (`oneOf<Mode>([...])`) so the values `resolve` receives stay typed.
 */
export function defineConfigSlice<V extends ConfigVariables, T>(spec: {
  readonly name: string;
  readonly variables: V;
  readonly resolve: (values: ConfigValues<V>, context: SliceContext<keyof V & string>) => T;
}): ConfigSlice<T> {
  return {
    kind: "weft.config-slice",
    name: spec.name,
    variables: spec.variables,
    resolve: (values, context) => spec.resolve(values as ConfigValues<V>, context),
  };
}
