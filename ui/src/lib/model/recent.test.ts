import { describe, expect, it } from "vitest";
import { loadRecent, remember, saveRecent } from "./recent";

describe("recent projects", () => {
  it("puts the opened folder first, once, and keeps at most eight", () => {
    let list: string[] = [];
    for (let i = 0; i < 10; i++) list = remember(list, `/p/${i}`);
    list = remember(list, "/p/5");
    expect(list[0]).toBe("/p/5");
    expect(list.filter((d) => d === "/p/5")).toHaveLength(1);
    expect(list).toHaveLength(8);
  });

  it("round-trips through storage and survives garbage in it", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveRecent(["/a", "/b"], storage);
    expect(loadRecent(storage)).toEqual(["/a", "/b"]);
    store.set("envdeck.recent", "{not json");
    expect(loadRecent(storage)).toEqual([]);
  });
});
