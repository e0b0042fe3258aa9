// Recently opened project folders, newest first, remembered in the webview's storage.
const KEY = "envdeck.recent";
const MAX = 8;

/** `dir` first, without duplicates, at most MAX entries. */
export function remember(list: readonly string[], dir: string): string[] {
  return [dir, ...list.filter((d) => d !== dir)].slice(0, MAX);
}

export function loadRecent(storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): string[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(KEY) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === "string").slice(0, MAX) : [];
  } catch {
    return [];
  }
}

export function saveRecent(list: readonly string[], storage: Pick<Storage, "setItem"> | undefined = globalThis.localStorage) {
  try {
    storage?.setItem(KEY, JSON.stringify(list));
  } catch {
    // A webview without storage still opens projects; it just doesn't remember them.
  }
}
