// Every visible string comes from a catalog; the language follows the OS until the user picks one.
import { en, type MessageKey } from "./en";
import { es } from "./es";
import type { Reason } from "../bindings/Reason";
import type { WaitingFor } from "../bindings/WaitingFor";
import type { Notice } from "../bindings/Notice";

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
 * An error's (or a notice's) sentence in `lang`: its reason's facts worded by the catalog
 * (`reason.<kind>`), else Rust's own message, in English. The English catalog says exactly what Rust
 * says (reasons.test.ts).
 */
export function errorDetail(
  lang: Lang,
  error: { message: string; reason?: Reason | WaitingFor | Notice },
): string {
  if (!error.reason) return error.message;
  return worded(lang, "reason", error.reason as unknown as Facts) ?? error.message;
}

type Facts = { kind: string; [fact: string]: unknown };

/** `facts` as the catalog's sentence `prefix.<kind>`; a fact that is itself a kind of facts (a failed
 *  service's `why`) is worded the same way under `reason.<fact>`, a list of them (what a Start made)
 *  joined by commas, and another error inside the sentence (a `cause`: `{message, reason?}`) as that
 *  error is. `null` when the catalog lacks a key. */
function worded(lang: Lang, prefix: string, facts: Facts): string | null {
  const { kind, ...rest } = facts;
  const key = `${prefix}.${kind}`;
  if (!(key in catalogs.en)) return null;
  const vars: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (Array.isArray(value)) {
      const items = value.map((item) => worded(lang, `reason.${name}`, item as Facts));
      if (items.includes(null)) return null;
      vars[name] = items.join(", ");
    } else if (value !== null && typeof value === "object" && !("kind" in value) && "message" in value) {
      vars[name] = errorDetail(lang, value as { message: string; reason?: Reason });
    } else if (value !== null && typeof value === "object") {
      const inner = worded(lang, `reason.${name}`, value as Facts);
      if (inner === null) return null;
      vars[name] = inner;
    } else {
      const plain = value as string | number;
      vars[name] = isWord(name, plain) ? translate(lang, `reason.word.${plain}` as MessageKey) : plain;
    }
  }
  return translate(lang, key as MessageKey, vars);
}

/** Facts that are words of the sentence, said in the catalog's language: the keychain's `read`, the holder `cli`, its `start`, an engine step `create_network`, a `thing` such as `volume` (envdeck-api's `reason::WORD_FACTS`). */
const WORD_FACTS = new Set(["action", "client", "operation", "step", "thing"]);

export function isWord(name: string, value: string | number): boolean {
  return WORD_FACTS.has(name) && `reason.word.${value}` in catalogs.en;
}
