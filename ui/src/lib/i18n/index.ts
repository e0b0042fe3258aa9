// Every visible string comes from a catalog; the language follows the OS until the user picks one.
import { en, type MessageKey } from "./en";
import { es } from "./es";

export type Lang = "en" | "es";
export const catalogs: Record<Lang, Record<MessageKey, string>> = { en, es };
export type { MessageKey };

/** The language to start in: the saved choice, else the OS's, else English. */
export function initialLang(saved: string | null, osLanguages: readonly string[]): Lang {
  if (saved === "en" || saved === "es") return saved;
  for (const l of osLanguages) {
    const base = l.toLowerCase().split("-")[0];
    if (base === "es" || base === "en") return base;
  }
  return "en";
}

/** The message for `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function translate(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = catalogs[lang][key] ?? catalogs.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
