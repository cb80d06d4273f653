/**
 * One trace as a waterfall: a row per span, indented under its parent, its bar placed by start and
 * length on the trace's time axis; failed spans in red with their reason. Click a row for details.
 */
import { useState } from "preact/hooks";
import { Badge, Card, ErrorText, Loaded, Page, Stat, Stats } from "../components";
import { count, dateTime, duration } from "../format";
import { useResource } from "../resource";
import { Link } from "../router";
import type { AppInfo, SpanView } from "../types";

interface Row {
  readonly span: SpanView;
  readonly depth: number;
}

/** Spans in tree order (a child right under its parent), with their depth. */
function rows(spans: readonly SpanView[]): Row[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanView[]>();
  for (const s of spans) {
    const parent = s.parentSpanId !== null && ids.has(s.parentSpanId) ? s.parentSpanId : null;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  const out: Row[] = [];
  const walk = (parent: string | null, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime);
    for (const s of list) {
      out.push({ span: s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

const KIND_LABEL: Record<string, string> = {
  client: "call",
  server: "served",
  internal: "work",
};

function ticks(total: number): number[] {
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  const step = steps.find((s) => total / s <= 6) ?? total / 5;
  const out: number[] = [];
  for (let t = 0; t <= total + 1e-9; t += step) out.push(t);
  return out;
}

/** A bar's duration: after the bar, inside it near the end, or before it when neither fits. */
function DurationLabel(props: { offset: number; length: number; total: number }) {
  const start = (props.offset / props.total) * 100;
  const end = ((props.offset + props.length) / props.total) * 100;
  const text = duration(props.length);
  if (end <= 84) {
    return (
      <span class="wf-dur" style={{ left: `calc(${end}% + 6px)` }}>
        {text}
      </span>
    );
  }
  if (end - start >= 14) {
    return (
      <span class="wf-dur inside" style={{ right: `calc(${100 - end}% + 6px)` }}>
        {text}
      </span>
    );
  }
  return (
    <span class="wf-dur" style={{ right: `calc(${100 - start}% + 6px)` }}>
      {text}
    </span>
  );
}

/** An axis label: 0, 2 ms, 0.5 ms, 1.5 s. */
function tickLabel(ms: number): string {
  if (ms === 0) return "0";
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(2))} s`;
  return `${Number(ms.toFixed(2))} ms`;
}

function Waterfall(props: { spans: SpanView[]; app: AppInfo | undefined }) {
  const [open, setOpen] = useState<string | null>(null);
  const list = rows(props.spans);
  const start = Math.min(...props.spans.map((s) => s.startTime));
  const end = Math.max(...props.spans.map((s) => s.startTime + s.durationMs));
  const total = Math.max(end - start, 0.001);
  const pct = (ms: number) => `${(ms / total) * 100}%`;
  return (
    <div class="waterfall" data-testid="waterfall">
      <div class="wf-row wf-axis">
        <div class="wf-label">Span</div>
        <div class="wf-proc">Process</div>
        <div class="wf-track">
          {ticks(total).map((t) => (
            <span
              key={t}
              class={`wf-tick ${t / total > 0.9 ? "end" : ""}`}
              style={{ left: pct(t) }}
            >
              {tickLabel(t)}
            </span>
          ))}
        </div>
      </div>
      {list.map(({ span, depth }) => {
        const failed = span.error !== null;
        const offset = span.startTime - start;
        const isOpen = open === span.spanId;
        return (
          <div key={span.spanId} class={`wf-item ${failed ? "failed" : ""}`} data-span={span.name}>
            <button
              type="button"
              class="wf-row"
              onClick={() => setOpen(isOpen ? null : span.spanId)}
              aria-expanded={isOpen}
            >
              <div class="wf-label" style={{ paddingLeft: `${depth * 16 + 8}px` }}>
                <span class={`kind ${span.kind}`}>{KIND_LABEL[span.kind] ?? span.kind}</span>
                <span class="wf-name">{span.name}</span>
                {failed && <span class="wf-reason">{span.error?.reason}</span>}
              </div>
              <div class="wf-proc" title={`app ${span.app}`}>
                {props.app === undefined ? span.app : `pid ${props.app.pid}`}
                {span.remote && (
                  <Badge tone="warn" title="this call crossed processes">
                    NATS
                  </Badge>
                )}
              </div>
              <div class="wf-track">
                <div
                  class={`wf-bar ${span.kind}`}
                  style={{ left: pct(offset), width: `max(2px, ${pct(span.durationMs)})` }}
                />
                <DurationLabel offset={offset} length={span.durationMs} total={total} />
              </div>
            </button>
            {isOpen && (
              <div class="wf-details">
                <dl>
                  <dt>Span</dt>
                  <dd>
                    <code>{span.spanId}</code>
                    {span.parentSpanId !== null && (
                      <>
                        {" "}
                        under <code>{span.parentSpanId}</code>
                      </>
                    )}
                  </dd>
                  <dt>Kind</dt>
                  <dd>
                    {span.kind}
                    {span.caller !== null && ` · called by ${span.caller}`}
                    {span.remote ? " · crossed processes" : " · in this process"}
                  </dd>
                  <dt>Started</dt>
                  <dd>
                    {dateTime(span.startTime)} (+{duration(offset)})
                  </dd>
                  {span.bytes !== null && (
                    <>
                      <dt>Bytes</dt>
                      <dd>{count(span.bytes)}</dd>
                    </>
                  )}
                  {span.error !== null && (
                    <>
                      <dt>Error</dt>
                      <dd>
                        <ErrorText error={span.error} />
                      </dd>
                    </>
                  )}
                </dl>
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The page of one trace. */
export function TracePage(props: { traceId: string }) {
  const { data, error } = useResource<{ traceId: string; spans: SpanView[] }>(
    `/api/traces/${encodeURIComponent(props.traceId)}`,
  );
  const app = useResource<AppInfo>("/api/app", { live: false });
  const first = data === undefined ? undefined : rows(data.spans)[0]?.span;
  return (
    <Page
      title={first === undefined ? "Trace" : first.name}
      subtitle={
        <>
          <Link to="traces">← All traces</Link> · trace <code>{props.traceId}</code>
        </>
      }
    >
      <Loaded data={data} error={error}>
        {(d) => {
          const start = Math.min(...d.spans.map((s) => s.startTime));
          const end = Math.max(...d.spans.map((s) => s.startTime + s.durationMs));
          const services = [...new Set(d.spans.map((s) => s.service))];
          const failed = d.spans.filter((s) => s.error !== null);
          return (
            <>
              <Stats>
                <Stat label="Duration" value={duration(end - start)} />
                <Stat label="Spans" value={count(d.spans.length)} />
                <Stat label="Services" value={count(services.length)} hint={services.join(" → ")} />
                <Stat
                  label="Errors"
                  value={count(failed.length)}
                  tone={failed.length > 0 ? "bad" : ""}
                  hint={failed[0]?.error?.reason}
                />
              </Stats>
              <Card title={`Started ${dateTime(start)}`}>
                <Waterfall spans={d.spans} app={app.data} />
              </Card>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
