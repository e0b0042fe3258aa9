import { describe, expect, it } from "vitest";
import { levelOf } from "./logs";

describe("log lines", () => {
  it("recognises error and warning lines, not words that merely contain them", () => {
    expect(levelOf("ERROR web: boom")).toBe("error");
    expect(levelOf("2024 [warning] disk")).toBe("warn");
    expect(levelOf("no errors here")).toBe("info");
  });
});
