/** Pieces the pages share: page frame, cards, figures, badges, empty and error states. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError, setToken } from "./api";

/** A page: title, one line saying what it shows, actions on the right, then the content. */
export function Page(props: {
  title: string;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="page">
      <header class="page-head">
        <div>
          <h1>{props.title}</h1>
          {props.subtitle !== undefined && <p class="subtitle">{props.subtitle}</p>}
        </div>
        {props.actions !== undefined && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

/** A white panel with an optional title row. */
export function Card(props: {
  title?: ComponentChildren;
  extra?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  testId?: string;
}) {
  return (
    <div class={`card ${props.class ?? ""}`} data-testid={props.testId}>
      {(props.title !== undefined || props.extra !== undefined) && (
        <div class="card-head">
          <h2>{props.title}</h2>
          {props.extra}
        </div>
      )}
      {props.children}
    </div>
  );
}

/** A figure with its label. */
export function Stat(props: {
  label: string;
  value: ComponentChildren;
  hint?: string;
  tone?: string;
}) {
  return (
    <div class={`stat ${props.tone ?? ""}`}>
      <div class="stat-value">{props.value}</div>
      <div class="stat-label">{props.label}</div>
      {props.hint !== undefined && <div class="stat-hint">{props.hint}</div>}
    </div>
  );
}

/** A row of figures. */
export function Stats(props: { children: ComponentChildren; compact?: boolean }) {
  return <div class={props.compact === true ? "stats compact" : "stats"}>{props.children}</div>;
}

/** What to do when there is nothing to show. */
export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <div class="empty-title">{props.title}</div>
      {props.children !== undefined && <div class="empty-text">{props.children}</div>}
    </div>
  );
}

/** A short label. */
export function Badge(props: { tone?: string; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge ${props.tone ?? ""}`} title={props.title}>
      {props.children}
    </span>
  );
}

const STATUS_TONES: Record<string, string> = {
  completed: "ok",
  running: "info",
  pending: "muted",
  sleeping: "info",
  compensating: "warn",
  compensated: "warn",
  failed: "bad",
  cancelled: "muted",
  ok: "ok",
  error: "bad",
};

/** A run's (or span's) status with its colour. */
export function StatusPill(props: { status: string }) {
  return (
    <span class={`pill ${STATUS_TONES[props.status] ?? "muted"}`} data-status={props.status}>
      {props.status}
    </span>
  );
}

/** Asks for the admin token when the server wants one. */
function TokenPrompt() {
  const [value, setValue] = useState("");
  return (
    <form
      class="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim() === "") return;
        setToken(value.trim());
        location.reload();
      }}
    >
      <input
        type="password"
        placeholder="Admin token (WEFT_ADMIN_TOKEN)"
        value={value}
        onInput={(event) => setValue((event.target as HTMLInputElement).value)}
      />
      <button type="submit" class="button primary">
        Use token
      </button>
    </form>
  );
}

/** A failed request, said plainly; a token prompt when the server asks for one. */
export function Failure(props: { error: Error }) {
  const { error } = props;
  const status = error instanceof ApiError ? error.status : undefined;
  return (
    <div class="failure" role="alert">
      <strong>
        {status === 401
          ? "This admin server needs its token."
          : status === undefined
            ? "The admin server did not answer."
            : `The admin server answered ${status}.`}
      </strong>{" "}
      <span>{error.message}</span>
      {status === 401 && <TokenPrompt />}
    </div>
  );
}

/** Loading, failure, or the content. */
export function Loaded<T>(props: {
  data: T | undefined;
  error: Error | undefined;
  children: (data: T) => ComponentChildren;
}) {
  if (props.data === undefined) {
    if (props.error !== undefined) return <Failure error={props.error} />;
    return <div class="loading">Loading…</div>;
  }
  return (
    <>
      {props.error !== undefined && <Failure error={props.error} />}
      {props.children(props.data)}
    </>
  );
}

/** JSON, pretty and collapsible. */
export function JsonBlock(props: { label: string; value: unknown; open?: boolean }) {
  if (props.value === undefined) return null;
  return (
    <details class="json" open={props.open}>
      <summary>{props.label}</summary>
      <pre>{JSON.stringify(props.value, null, 2)}</pre>
    </details>
  );
}

/** An error's code, reason and message. */
export function ErrorText(props: { error: { code: string; reason: string; message: string } }) {
  return (
    <span class="error-text">
      <code class="reason">{props.error.reason}</code>
      <span class="muted"> {props.error.code}</span>
      <span class="message"> — {props.error.message}</span>
    </span>
  );
}
