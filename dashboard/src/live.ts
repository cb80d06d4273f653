/**
 * Live updates: the admin server's span stream (`/api/events/stream`, Server-Sent Events) read
 * with fetch — so the admin token can travel in a header — and handed to the pages as "something
 * changed" signals. Reconnects on its own; its state shows in the header.
 */
import { useEffect, useState } from "preact/hooks";
import { authHeaders } from "./api";

/** Connection state of the stream. */
export type LiveState = "connecting" | "live" | "offline";

type Listener = () => void;
const spanListeners = new Set<Listener>();
const stateListeners = new Set<(state: LiveState) => void>();
let state: LiveState = "connecting";
let started = false;

function setState(next: LiveState): void {
  state = next;
  for (const listener of stateListeners) listener(next);
}

function dispatch(block: string): void {
  let event = "message";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
  }
  if (event === "spans") for (const listener of spanListeners) listener();
}

async function connect(): Promise<void> {
  for (;;) {
    try {
      const response = await fetch("/api/events/stream", {
        headers: { accept: "text/event-stream", ...authHeaders() },
      });
      if (!response.ok || response.body === null) throw new Error(String(response.status));
      setState("live");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // fall through to reconnect
    }
    setState("offline");
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Starts the stream once (the first page that needs it). */
function ensureStarted(): void {
  if (started) return;
  started = true;
  void connect();
}

/** Calls `listener` when new spans were recorded; returns a function that stops it. */
export function onSpans(listener: Listener): () => void {
  ensureStarted();
  spanListeners.add(listener);
  return () => spanListeners.delete(listener);
}

/** The stream's state, as a hook. */
export function useLiveState(): LiveState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    ensureStarted();
    stateListeners.add(setCurrent);
    setCurrent(state);
    return () => {
      stateListeners.delete(setCurrent);
    };
  }, []);
  return current;
}
