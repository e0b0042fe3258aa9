// The per-service timeline of a Start or Stop, folded from the Progress events Rust streams: each row
// keeps the phases it went through (with when) and the failure message, already masked by the API.
import type { ApiError } from "../bindings/ApiError";
import type { Progress } from "../bindings/Progress";
import type { Reason } from "../bindings/Reason";
import type { Step } from "../bindings/Step";

export type Phase =
  | "checking"
  | "pulling"
  | "creating"
  | "started"
  | "waiting"
  | "checked"
  | "healthy"
  | "unhealthy"
  | "ready"
  | "stopping"
  | "removed"
  | "done"
  | "failed";

export type Row = {
  key: string;
  /** What the row is about: a service name, or a network / volume / image name. */
  subject: string;
  isService: boolean;
  phase: Phase;
  history: { phase: Phase; ms: number }[];
  message?: string;
  /** The message's facts, when the operation's error turned out to be this row's failure. */
  reason?: Reason;
};

export type Timeline = { mode: "up" | "down"; startedAt: number; rows: Row[] };

export function newTimeline(mode: "up" | "down", now: number): Timeline {
  return { mode, startedAt: now, rows: [] };
}

function subjectOf(step: Step): { key: string; subject: string; isService: boolean } {
  switch (step.kind) {
    case "service":
    case "ready":
      return { key: `service:${step.service}`, subject: step.service, isService: true };
    case "network":
      return { key: `network:${step.name}`, subject: step.name, isService: false };
    case "volume":
      return { key: `volume:${step.name}`, subject: step.name, isService: false };
    case "image":
      return { key: `image:${step.image}`, subject: step.image, isService: false };
    case "check_ports":
      return { key: "ports", subject: "ports", isService: false };
  }
}

function move(t: Timeline, who: { key: string; subject: string; isService: boolean }, phase: Phase, now: number, message?: string) {
  let row = t.rows.find((r) => r.key === who.key);
  if (!row) {
    row = { ...who, phase, history: [] };
    t.rows.push(row);
  } else if (row.phase === "failed") {
    // A failed row keeps its failure visible even if later events arrive for it.
    return;
  }
  row.phase = phase;
  if (message !== undefined) row.message = message;
  const last = row.history[row.history.length - 1];
  if (!last || last.phase !== phase) row.history.push({ phase, ms: now - t.startedAt });
}

/** Folds one event into the timeline (mutating it: the caller holds it in reactive state). */
export function apply(t: Timeline, p: Progress, now: number): void {
  switch (p.event) {
    case "step_started": {
      const who = subjectOf(p.step);
      const phase: Phase =
        t.mode === "down" ? "stopping" : p.step.kind === "ready" ? "waiting" : p.step.kind === "check_ports" ? "checking" : "creating";
      move(t, who, phase, now);
      break;
    }
    case "step_finished": {
      const who = subjectOf(p.step);
      if (p.outcome === "removed" || p.outcome === "stopped") move(t, who, "removed", now);
      else if (p.step.kind === "ready") {
        const row = t.rows.find((r) => r.key === who.key);
        // Ready by Docker's own health, or by EnvDeck's run of the same test while Docker still says
        // "starting": the row keeps saying which.
        move(t, who, row?.phase === "healthy" || row?.phase === "checked" ? row.phase : "ready", now);
      } else if (p.step.kind === "service") move(t, who, "started", now);
      else move(t, who, "done", now);
      break;
    }
    case "step_failed":
      move(t, subjectOf(p.step), "failed", now, p.message);
      break;
    case "pull":
      move(t, { key: `image:${p.image}`, subject: p.image, isService: false }, "pulling", now);
      break;
    case "build_output":
      move(t, { key: `service:${p.service}`, subject: p.service, isService: true }, "creating", now);
      break;
    case "health": {
      const who = { key: `service:${p.service}`, subject: p.service, isService: true };
      const phase: Phase =
        p.health === "healthy" || p.health === "unhealthy" || p.health === "checked" ? p.health : "waiting";
      // Once EnvDeck's probe passed, Docker's own "starting" says nothing new: only its verdict moves on.
      const row = t.rows.find((r) => r.key === who.key);
      if (phase === "waiting" && (row?.phase === "checked" || row?.phase === "ready")) break;
      move(t, who, phase, now);
      break;
    }
    case "waiting":
    case "warning":
      // Before any Step: the panel shows them above the timeline, which has nothing to move.
      break;
  }
}

/** The operation's error, when it is a row's failure, lends that row its facts: the window then words
 *  the row's message in the person's language, as it does the error note. */
export function explain(t: Timeline, error: ApiError): void {
  if (!error.reason) return;
  for (const row of t.rows) if (row.phase === "failed" && row.message === error.message) row.reason = error.reason;
}
