import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { countdown } from "./countdown";

describe("countdown", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("ticks once a second and finishes at zero, exactly once", () => {
    const ticks: number[] = [];
    const done = vi.fn();
    countdown(30, (left) => ticks.push(left), done);
    vi.advanceTimersByTime(29_000);
    expect(ticks.at(-1)).toBe(1);
    expect(done).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(done).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(done, "no second finish, no tick after it").toHaveBeenCalledTimes(1);
    expect(ticks).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
  });

  it("a cancelled countdown neither ticks nor finishes", () => {
    const tick = vi.fn();
    const done = vi.fn();
    const cancel = countdown(10, tick, done);
    vi.advanceTimersByTime(3_000);
    cancel();
    vi.advanceTimersByTime(20_000);
    expect(tick.mock.calls.map(([left]) => left), "10 at once, then 9, 8, 7 and no more").toEqual([10, 9, 8, 7]);
    expect(done).not.toHaveBeenCalled();
  });
});
