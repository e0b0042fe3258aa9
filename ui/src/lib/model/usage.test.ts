import { describe, expect, it } from "vitest";
import { USAGE_WINDOW, addSample, memoryFigure, sparkPoints, type Usage } from "./usage";

const sample = (container: string, cpu: number, mem: number) => ({
  service: "db",
  container,
  cpu_percent: cpu,
  memory_bytes: mem,
  memory_limit_bytes: 2 ** 30,
});

describe("usage", () => {
  it("keeps the last minute per container, however long the app watches", () => {
    const usage: Record<string, Usage> = {};
    for (let i = 0; i < 500; i++) addSample(usage, sample("a", i, i * 10));
    addSample(usage, sample("b", 1, 1));
    expect(usage.a.cpu).toHaveLength(USAGE_WINDOW);
    expect(usage.a.cpu.at(-1)).toBe(499);
    expect(usage.a.memory[0]).toBe((500 - USAGE_WINDOW) * 10);
    expect(usage.b.cpu).toEqual([1]);
  });

  it("draws the peak at the top and zero at the bottom", () => {
    expect(sparkPoints([0, 50, 100], 60, 20)).toBe("0.0,20.0 30.0,10.0 60.0,0.0");
    expect(sparkPoints([10, 10], 60, 20, 100), "a fixed top keeps a quiet line low").toBe("0.0,18.0 60.0,18.0");
    expect(sparkPoints([], 60, 20)).toBe("");
  });

  it("writes memory as people read it", () => {
    expect(memoryFigure(64 * 2 ** 20)).toEqual({ value: "64", unit: "mib" });
    expect(memoryFigure(1.5 * 2 ** 30)).toEqual({ value: "1.5", unit: "gib" });
  });
});
