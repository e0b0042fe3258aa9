// How the logs view reads a line: its level (ERROR and WARN lines are highlighted). Lines arrive
// already masked by the API; the filter lives in logbuffer.ts.

export type Level = "error" | "warn" | "info";

export function levelOf(text: string): Level {
  if (/\b(ERROR|FATAL|CRITICAL|PANIC)\b|Traceback \(most recent call last\)/i.test(text)) return "error";
  if (/\b(WARN|WARNING)\b/i.test(text)) return "warn";
  return "info";
}
