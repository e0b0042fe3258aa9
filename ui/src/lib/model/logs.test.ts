import { describe, expect, it } from "vitest";
import { appendCapped, levelOf, matches } from "./logs";

describe("log lines", () => {
  it("recognises error and warning lines, not words that merely contain them", () => {
    expect(levelOf("ERROR web: boom")).toBe("error");
    expect(levelOf("2024 [warning] disk")).toBe("warn");
    expect(levelOf("no errors here")).toBe("info");
  });

  it("filters on text and service, ignoring case", () => {
    const line = { service: "db", container: "c", stream: "stdout" as const, text: "database system is ready" };
    expect(matches(line, "READY")).toBe(true);
    expect(matches(line, "db")).toBe(true);
    expect(matches(line, "web")).toBe(false);
    expect(matches(line, "  ")).toBe(true);
  });

  it("keeps only the newest lines", () => {
    const list = [1, 2, 3];
    appendCapped(list, 4, 3);
    expect(list).toEqual([2, 3, 4]);
  });
});
