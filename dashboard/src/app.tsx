/** The frame: header (app, state, process), left navigation, and the page of the current route. */
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";
import { duration } from "./format";
import { useLiveState } from "./live";
import { ErrorsPage } from "./pages/errors";
import { EventsPage } from "./pages/events";
import { PlacementPage } from "./pages/placement";
import { ServicesPage } from "./pages/services";
import { TopologyPage } from "./pages/topology";
import { TracePage } from "./pages/trace";
import { TracesPage } from "./pages/traces";
import { WorkflowRunPage } from "./pages/workflow-run";
import { WorkflowsPage } from "./pages/workflows";
import { useResource } from "./resource";
import { Link, useRoute } from "./router";
import type { AppInfo } from "./types";

const ICONS: Record<string, JSX.Element> = {
  services: <path d="M4 5h16v5H4zM4 14h16v5H4zM7 7.5h.01M7 16.5h.01" />,
  topology: (
    <path d="M6 6m-2.5 0a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0M18 6m-2.5 0a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0M12 18m-2.5 0a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0M8.5 6h7M7.3 8.2l3.4 7.6M16.7 8.2l-3.4 7.6" />
  ),
  placement: <path d="M3 5h8v14H3zM13 5h8v14h-8zM6 9h2M6 13h2M16 9h2M16 13h2" />,
  traces: <path d="M4 6h9M7 12h10M10 18h10" />,
  workflows: <path d="M5 5h5v5H5zM14 14h5v5h-5zM10 7.5h4.5a2 2 0 0 1 2 2V14" />,
  events: <path d="M4 12h4l2-6 4 12 2-6h4" />,
  errors: <path d="M12 4l9 16H3zM12 10v4M12 17h.01" />,
};

const NAV = [
  ["services", "Services"],
  ["topology", "Topology"],
  ["placement", "Placement"],
  ["traces", "Traces"],
  ["workflows", "Workflows"],
  ["events", "Events"],
  ["errors", "Errors"],
] as const;

function Icon(props: { name: string }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      {ICONS[props.name]}
    </svg>
  );
}

function Header() {
  const { data } = useResource<AppInfo>("/api/app", { live: false, pollMs: 5000 });
  const live = useLiveState();
  return (
    <header class="top">
      <div class="brand">
        <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="7" fill="#3651d4" />
          <path d="M7 9h18M7 16h18M7 23h18" stroke="#c9d2ff" stroke-width="2.5" />
          <path d="M11 6v20M21 6v20" stroke="#fff" stroke-width="2.5" />
        </svg>
        <span class="brand-name">Weft</span>
      </div>
      <div class="app-id" data-testid="app-header">
        <span class="app-name">{data?.name ?? "…"}</span>
        {data !== undefined && (
          <>
            <span class={`pill ${data.state === "running" ? "ok" : "warn"}`}>{data.state}</span>
            <span class="meta">
              {data.env} · {data.transport === "local" ? "one process" : data.transport} · pid{" "}
              {data.pid} on {data.hostname} · up {duration(data.uptimeSeconds * 1000)}
            </span>
          </>
        )}
      </div>
      <div class={`live ${live}`} title="Live updates from the admin server">
        <span class="dot" />
        {live === "live" ? "Live" : live === "connecting" ? "Connecting…" : "Reconnecting…"}
      </div>
    </header>
  );
}

function Content() {
  const { path } = useRoute();
  const [section = "services", id] = path.split("/");
  useEffect(() => {
    const label = NAV.find(([key]) => key === section)?.[1] ?? "Dashboard";
    document.title = `${label} · Weft`;
  }, [section]);
  if (section === "traces" && id !== undefined)
    return <TracePage traceId={decodeURIComponent(id)} />;
  if (section === "workflows" && id !== undefined)
    return <WorkflowRunPage runId={decodeURIComponent(id)} />;
  switch (section) {
    case "topology":
      return <TopologyPage />;
    case "placement":
      return <PlacementPage />;
    case "traces":
      return <TracesPage />;
    case "workflows":
      return <WorkflowsPage />;
    case "events":
      return <EventsPage />;
    case "errors":
      return <ErrorsPage />;
    default:
      return <ServicesPage />;
  }
}

/** The dashboard. */
export function App() {
  const { path } = useRoute();
  const section = path.split("/")[0] || "services";
  return (
    <div class="shell">
      <Header />
      <nav class="side" aria-label="Pages">
        <div class="side-links">
          {NAV.map(([key, label]) => (
            <Link key={key} to={key} class={section === key ? "active" : ""}>
              <Icon name={key} />
              {label}
            </Link>
          ))}
        </div>
      </nav>
      <main class="main">
        <Content />
      </main>
    </div>
  );
}
