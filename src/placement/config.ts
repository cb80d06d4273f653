/**
 * What to change once a grouping is chosen: the `groups` entry of `defineApp`, and one process per
 * group started with its `WEFT_GROUP`. `weft placement suggest` prints it; the dashboard shows it.
 */

/** The config of a grouping. */
export interface PlacementConfig {
  /** Group name → services, for `defineApp({ groups })`. */
  readonly groups: Record<string, string[]>;
  /** The `groups` entry as TypeScript, indented for an object literal. */
  readonly snippet: string;
  /** One process per group: its environment and the command that starts it. */
  readonly processes: readonly {
    readonly group: string;
    readonly env: { readonly WEFT_GROUP: string };
    readonly command: string;
  }[];
}

/** The `groups` entry of defineApp, as TypeScript. */
export function groupsSnippet(groups: Readonly<Record<string, readonly string[]>>): string {
  const lines = Object.entries(groups).map(
    ([g, services]) =>
      `    ${/^[A-Za-z_$][\w$]*$/.test(g) ? g : JSON.stringify(g)}: [${services.map((s) => JSON.stringify(s)).join(", ")}],`,
  );
  return ["  groups: {", ...lines, "  },"].join("\n");
}

/** The config to apply for `groups`. */
export function placementConfig(groups: Record<string, string[]>): PlacementConfig {
  return {
    groups,
    snippet: groupsSnippet(groups),
    processes: Object.keys(groups).map((group) => ({
      group,
      env: { WEFT_GROUP: group },
      command: `WEFT_GROUP=${group} weft start`,
    })),
  };
}
