// Every visible string comes from a catalog; the language follows the OS until the user picks one.
import { en, type MessageKey } from "./en";
import { es } from "./es";
import type { Reason } from "../bindings/Reason";

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

/**
 * An error's sentence in `lang`: its reason's facts worded by the catalog (`reason.<kind>`), else Rust's
 * own message, in English. The English catalog says exactly what Rust says (reasons.test.ts).
 */
export function errorDetail(lang: Lang, error: { message: string; reason?: Reason }): string {
  if (!error.reason) return error.message;
  const { kind, ...facts } = error.reason;
  const key = `reason.${kind}`;
  if (!(key in catalogs.en)) return error.message;
  const worded = Object.fromEntries(
    Object.entries(facts).map(([name, value]) => [
      name,
      isWord(name, value) ? translate(lang, `reason.word.${value}` as MessageKey) : value,
    ]),
  );
  return translate(lang, key as MessageKey, worded);
}

/** Facts that are words of the sentence, said in the catalog's language: the keychain's `read`, the holder `cli`, its `start`. */
const WORD_FACTS = new Set(["action", "client", "operation"]);

export function isWord(name: string, value: string | number): boolean {
  return WORD_FACTS.has(name) && `reason.word.${value}` in catalogs.en;
}
