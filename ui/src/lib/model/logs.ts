// How the logs view reads a line: its level (ERROR and WARN lines are highlighted) and whether it
// matches the filter box. Lines arrive already masked by the API.
import type { LogLine } from "../bindings/LogLine";

export type Level = "error" | "warn" | "info";

export function levelOf(text: string): Level {
  if (/\b(ERROR|FATAL|CRITICAL|PANIC)\b|Traceback \(most recent call last\)/i.test(text)) return "error";
  if (/\b(WARN|WARNING)\b/i.test(text)) return "warn";
  return "info";
}

/** Case-insensitive match on the text or the service name; an empty filter matches every line. */
export function matches(line: LogLine, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  return f === "" || line.text.toLowerCase().includes(f) || line.service.toLowerCase().includes(f);
}

/** Appends, dropping the oldest lines beyond `max` so a chatty service cannot exhaust the window. */
export function appendCapped<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
