import { describe, expect, it } from "vitest";
import { LogBuffer, visibleRange } from "./logbuffer";
import type { LogLine } from "../bindings/LogLine";

const line = (i: number, service = "web"): LogLine => ({
  service,
  container: `${service}-1`,
  stream: "stdout",
  text: i % 10 === 0 ? `ERROR request ${i} failed` : `GET /items/${i} 200`,
});

describe("LogBuffer", () => {
  it("keeps the filter's subset in step as lines arrive, and recomputes it when the filter changes", () => {
    const b = new LogBuffer(1000);
    b.setFilter("error");
    b.append(Array.from({ length: 100 }, (_, i) => line(i)));
    expect(b.shown).toHaveLength(10);
    expect(b.shown.every((e) => e.level === "error")).toBe(true);
    b.append([line(100), line(101)]);
    expect(b.shown).toHaveLength(11);
    b.setFilter("  ");
    expect(b.shown).toHaveLength(102);
  });

  it("matches the service name too, ignoring case", () => {
    const b = new LogBuffer();
    b.append([line(1, "db"), line(2, "web")]);
    b.setFilter("DB");
    expect(b.shown.map((e) => e.line.service)).toEqual(["db"]);
  });

  it("drops the oldest lines beyond its capacity, from the filtered subset as well", () => {
    const b = new LogBuffer(100);
    b.setFilter("error");
    b.append(Array.from({ length: 500 }, (_, i) => line(i)));
    expect(b.entries.length).toBeLessThanOrEqual(110);
    expect(b.entries.at(-1)?.line.text).toBe("GET /items/499 200");
    const oldest = b.entries[0].seq;
    expect(b.shown.every((e) => e.seq >= oldest), "no filtered line outlives its entry").toBe(true);
    expect(b.shown.at(-1)?.line.text).toBe("ERROR request 490 failed");
  });
});

describe("visibleRange", () => {
  const opts = { viewport: 400, rowHeight: 20, overscan: 5 };

  it("covers the viewport plus the overscan, wherever the scroll is", () => {
    expect(visibleRange(100_000, { ...opts, scrollTop: 0, follow: false })).toEqual({ start: 0, end: 25 });
    expect(visibleRange(100_000, { ...opts, scrollTop: 20 * 5000, follow: false })).toEqual({ start: 4995, end: 5025 });
  });

  it("following shows the last rows whatever the scroll position", () => {
    expect(visibleRange(100_000, { ...opts, scrollTop: 0, follow: true })).toEqual({ start: 99_975, end: 100_000 });
  });

  it("never leaves the list, short or scrolled past its end", () => {
    expect(visibleRange(3, { ...opts, scrollTop: 0, follow: true })).toEqual({ start: 0, end: 3 });
    expect(visibleRange(50, { ...opts, scrollTop: 99_999, follow: false })).toEqual({ start: 25, end: 50 });
    expect(visibleRange(0, { ...opts, scrollTop: 0, follow: false })).toEqual({ start: 0, end: 0 });
  });
});
