// The logs view's memory: up to `max` lines (100,000 by default) with the subset the filter box lets
// through, kept in step as lines arrive so a new line costs one match, not a pass over everything.
// Plain arrays, not reactive state: the view re-reads them when told (a version counter), which keeps a
// chatty service from turning every line into proxied objects.
import type { LogLine } from "../bindings/LogLine";
import { levelOf, type Level } from "./logs";

export type Entry = { seq: number; line: LogLine; level: Level; lower: string };

export class LogBuffer {
  /** Every kept line, oldest first. */
  entries: Entry[] = [];
  /** The kept lines that match the filter, oldest first. */
  shown: Entry[] = [];
  private next = 0;
  private needle = "";

  constructor(readonly max = 100_000) {}

  get filter(): string {
    return this.needle;
  }

  append(lines: readonly LogLine[]): void {
    for (const line of lines) {
      const entry = { seq: this.next++, line, level: levelOf(line.text), lower: `${line.service}\u0000${line.text}`.toLowerCase() };
      this.entries.push(entry);
      if (this.passes(entry)) this.shown.push(entry);
    }
    // Oldest lines go in chunks of a tenth, so trimming is rare rather than a splice per line.
    if (this.entries.length > this.max + Math.ceil(this.max / 10)) {
      this.entries.splice(0, this.entries.length - this.max);
      const first = this.entries[0].seq;
      this.shown.splice(0, firstAtOrAfter(this.shown, first));
    }
  }

  /** Case-insensitive text (or service) filter; an empty or blank one shows every line. */
  setFilter(filter: string): void {
    const needle = filter.trim().toLowerCase();
    if (needle === this.needle) return;
    this.needle = needle;
    this.shown = needle === "" ? this.entries.slice() : this.entries.filter((e) => this.passes(e));
  }

  clear(): void {
    this.entries = [];
    this.shown = [];
  }

  private passes(e: Entry): boolean {
    return this.needle === "" || e.lower.includes(this.needle);
  }
}

/** Index of the first entry whose seq is at least `seq` (entries are in seq order). */
function firstAtOrAfter(entries: readonly Entry[], seq: number): number {
  let [lo, hi] = [0, entries.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Which rows to put in the DOM: those in the viewport plus `overscan` on each side. Following, the
 * window is the last rows whatever the scroll position says (the scroll catches up after the paint).
 */
export function visibleRange(
  count: number,
  opts: { scrollTop: number; viewport: number; rowHeight: number; overscan: number; follow: boolean },
): { start: number; end: number } {
  const rows = Math.ceil(opts.viewport / opts.rowHeight);
  const last = Math.max(0, count - rows);
  const top = opts.follow ? last : Math.min(last, Math.max(0, Math.floor(opts.scrollTop / opts.rowHeight)));
  return { start: Math.max(0, top - opts.overscan), end: Math.min(count, top + rows + opts.overscan) };
}
