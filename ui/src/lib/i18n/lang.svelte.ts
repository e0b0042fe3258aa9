// The UI's current language as shared reactive state, saved across launches.
import { initialLang, translate, type Lang, type MessageKey } from "./index";

const KEY = "envdeck.lang";

function readSaved(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export const lang = $state({ current: initialLang(readSaved(), navigator.languages ?? [navigator.language]) });

export function setLang(next: Lang) {
  lang.current = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // A webview without storage still switches; the choice just isn't remembered.
  }
}

export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  return translate(lang.current, key, vars);
}
