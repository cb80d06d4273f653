/**
 * A small history router: pages are paths below the page's `<base href>` (`/traces/4bf9…`), so
 * links can be shared and reloaded (the server answers every page path with the dashboard).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

const basePath = new URL(document.baseURI).pathname.replace(/\/?$/, "/");

/** The current route: path below the base, without leading slash, and the query. */
export interface Route {
  readonly path: string;
  readonly query: URLSearchParams;
}

function current(): Route {
  const path = location.pathname.startsWith(basePath)
    ? location.pathname.slice(basePath.length)
    : location.pathname.replace(/^\//, "");
  return { path: path.replace(/\/$/, ""), query: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => {
  for (const listener of listeners) listener();
});

/** The URL of a dashboard path (`traces/abc` → `/traces/abc`). */
export function href(path: string): string {
  return basePath + path.replace(/^\//, "");
}

/**
 * A hash address (`#/workflows`, as hash routers write them) opens the same page as its path:
 * the address bar is rewritten to the path, at load and when the hash changes.
 */
function adoptHashRoute(): boolean {
  const match = /^#\/(.*)$/.exec(location.hash);
  if (match === null) return false;
  history.replaceState(null, "", href(match[1] ?? ""));
  return true;
}
adoptHashRoute();
window.addEventListener("hashchange", () => {
  if (adoptHashRoute()) for (const listener of listeners) listener();
});

/** Goes to a dashboard path (`replace` keeps the history entry: filters). */
export function navigate(path: string, replace = false): void {
  const url = href(path);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  for (const listener of listeners) listener();
  if (!replace) window.scrollTo(0, 0);
}

/** The current route, as a hook. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return route;
}

/** A link to a dashboard path that navigates without reloading. */
export function Link(props: {
  to: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
}) {
  return (
    <a
      class={props.class}
      title={props.title}
      href={href(props.to)}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
