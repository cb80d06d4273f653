/**
 * Parts of the Placement page: the rules form (processes, together, apart, most services per
 * process — kept in the address), the config with Copy buttons, and rates as the advisor words
 * them.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Card } from "../components";
import { navigate, useRoute } from "../router";
import type { PlacementSuggestion } from "../types";

/** Rates as the advisor words them: 1 decimal below 100, whole above. */
export function perSecond(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : String(Math.round(v * 10) / 10);
}

/** 1.2 KiB/s */
export function bytesPerSecond(v: number): string {
  const units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
  let n = v;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u += 1;
  }
  return `${perSecond(n)} ${units[u]}`;
}

/** The sets of a rule field, one query value each: `"a, b; c, d"` ↔ `["a, b", "c, d"]`. */
const toLists = (text: string) =>
  text
    .split(";")
    .map((l) => l.trim())
    .filter(Boolean);
const fromLists = (lists: string[]) =>
  lists
    .map((l) =>
      l
        .split(",")
        .map((s) => s.trim())
        .join(", "),
    )
    .join("; ");

/** The rules: how many processes, which services together or apart, most services per process. */
export function Rules(props: { k: number; services: number }) {
  const { query } = useRoute();
  const [together, setTogether] = useState(fromLists(query.getAll("together")));
  const [apart, setApart] = useState(fromLists(query.getAll("apart")));
  const [max, setMax] = useState(query.get("maxServices") ?? "");
  const apply = (k: number) => {
    const q = new URLSearchParams({ k: String(k) });
    for (const list of toLists(together)) q.append("together", list);
    for (const list of toLists(apart)) q.append("apart", list);
    if (max.trim() !== "") q.set("maxServices", max.trim());
    navigate(`placement?${q}`, true);
  };
  const input = (set: (v: string) => void) => (event: Event) =>
    set((event.target as HTMLInputElement).value);
  return (
    <form
      class="card placement-rules"
      onSubmit={(event) => {
        event.preventDefault();
        apply(props.k);
      }}
    >
      <label>
        <span>Processes</span>
        <select
          name="k"
          value={String(props.k)}
          onChange={(e) => apply(Number((e.target as HTMLSelectElement).value))}
        >
          {Array.from({ length: props.services }, (_, i) => i + 1).map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label class="grow">
        <span>Keep together</span>
        <input
          type="text"
          name="together"
          placeholder="checkout, cart"
          value={together}
          onInput={input(setTogether)}
        />
      </label>
      <label class="grow">
        <span>Keep apart</span>
        <input
          type="text"
          name="apart"
          placeholder="payment, gateway"
          value={apart}
          onInput={input(setApart)}
        />
      </label>
      <label>
        <span>Most services per process</span>
        <input
          type="text"
          inputMode="numeric"
          name="maxServices"
          class="narrow"
          placeholder="any"
          value={max}
          onInput={input(setMax)}
        />
      </label>
      <button type="submit" class="button primary">
        Suggest
      </button>
      <p class="hint rules-hint">
        Services comma-separated; several sets with “;” (checkout, cart; catalog, currency).
      </p>
    </form>
  );
}

/** A code block with a Copy button (when the clipboard is refused, the text is selected). */
function CopyBlock(props: { label: string; text: string; testId: string }) {
  const [copied, setCopied] = useState<"" | "copied" | "selected">("");
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (copied === "") return;
    const t = setTimeout(() => setCopied(""), 2500);
    return () => clearTimeout(t);
  }, [copied]);
  const select = () => {
    if (pre.current !== null) window.getSelection()?.selectAllChildren(pre.current);
    setCopied("selected");
  };
  return (
    <div class="copy-block">
      <div class="copy-head">
        <span>{props.label}</span>
        <button
          type="button"
          class="button small"
          onClick={() => {
            if (navigator.clipboard === undefined) return select();
            navigator.clipboard.writeText(props.text).then(() => setCopied("copied"), select);
          }}
        >
          {copied === "copied" ? "Copied" : copied === "selected" ? "Press Ctrl+C" : "Copy"}
        </button>
      </div>
      <pre ref={pre} data-testid={props.testId}>
        {props.text}
      </pre>
    </div>
  );
}

/** The config to apply: `groups` for defineApp, one `WEFT_GROUP` per process. */
export function Config(props: { s: PlacementSuggestion }) {
  const { config } = props.s;
  return (
    <Card title="Config">
      <CopyBlock
        label="In the app definition, defineApp({ … }):"
        text={config.snippet.replace(/^ {2}/gm, "")}
        testId="placement-config"
      />
      <CopyBlock
        label="Then run one process per group (with WEFT_NATS_URL and WEFT_DATABASE_URL set):"
        text={config.processes.map((p) => p.command).join("\n")}
        testId="placement-commands"
      />
    </Card>
  );
}
