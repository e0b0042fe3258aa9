// Tells which visible text on a screen did not come from the current language's catalog: every text
// node and every read-out attribute (title, aria-label, placeholder, alt) is stripped of the catalog's
// messages (placeholders filled only with known data) and of the data the screen shows as it is;
// whatever still holds a letter was hard-coded, or left in the other language.
import { catalogs, type Lang } from "../lib/i18n";

const ATTRIBUTES = ["title", "aria-label", "placeholder", "alt"];

export type Leftover = { where: string; text: string; residue: string };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function describe(el: Element): string {
  const id = el.id ? `#${el.id}` : "";
  const cls = el.classList.length > 0 ? `.${[...el.classList].join(".")}` : "";
  return `${el.tagName.toLowerCase()}${id}${cls}`;
}

/** Own text of each element (its direct text nodes) and its read-out attributes, whitespace folded. */
export function visibleTexts(root: Element): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const walk = (el: Element) => {
    if (el.tagName === "SCRIPT" || el.tagName === "STYLE") return;
    const own = [...el.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent ?? "")
      .join(" ")
      .replace(/\s+/g, " ")
      .trim();
    if (own) out.push({ where: describe(el), text: own });
    for (const a of ATTRIBUTES) {
      const v = el.getAttribute(a)?.replace(/\s+/g, " ").trim();
      if (v) out.push({ where: `${describe(el)}[${a}]`, text: v });
    }
    for (const child of el.children) walk(child);
  };
  walk(root);
  return out;
}

/** Where a catalog message was taken out: a sentence worded inside another (a secret's `{source}`)
 *  then fills that one's placeholder, so the outer sentence is found on the next pass. */
const WORDED = "\u0001";

/** The catalog's messages as patterns, longest first, each placeholder matching only known data (or a
 *  message already taken out). */
function patterns(lang: Lang, data: string[]): RegExp[] {
  const value = `(?:${[...data].sort((a, b) => b.length - a.length).map(escape).join("|")}|[\\d.,]+|${WORDED})`;
  const list = `${value}(?:, ${value})*`;
  // A message of placeholders only (a reason's `{problem}`, a place's `{file}`) has no words of its own to
  // find, and matched first it would eat the number of a longer message ("1,5" of "1,5 KB").
  const hasWords = (message: string) => /\p{L}/u.test(message.replace(/\{\w+\}/g, ""));
  return Object.values(catalogs[lang])
    .filter(hasWords)
    .sort((a, b) => b.length - a.length)
    .map((message) => {
      const body = message
        .split(/(\{\w+\})/)
        .map((part) => (/^\{\w+\}$/.test(part) ? list : escape(part)))
        .join("");
      return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, "gu");
    });
}

/** Texts under `root` that still hold letters once catalog messages and data are taken out. */
export function leftovers(root: Element, lang: Lang, data: string[]): Leftover[] {
  const compiled = patterns(lang, data);
  const byLength = [...data].sort((a, b) => b.length - a.length);
  const out: Leftover[] = [];
  const whole = new Set(data);
  for (const { where, text } of visibleTexts(root)) {
    if (whole.has(text)) continue;
    let rest = text;
    // One message at a time, the longest that matches, until none does: an inner sentence goes before a
    // shorter word inside it, then the sentence it was worded into matches.
    const next = () => compiled.find((r) => ((r.lastIndex = 0), r.test(rest)));
    for (let re = next(); re; re = next()) rest = rest.replace(re, WORDED);
    rest = rest.split(WORDED).join(" ");
    for (const d of byLength) rest = rest.split(d).join(" ");
    if (/\p{L}/u.test(rest)) out.push({ where, text, residue: rest.replace(/\s+/g, " ").trim() });
  }
  return out;
}

/** English messages that Spanish translates: if one of them is also a data value, a leak would hide. */
export function dataHidingEnglish(data: string[]): string[] {
  const translated = (Object.keys(catalogs.en) as (keyof typeof catalogs.en)[])
    .filter((k) => catalogs.en[k] !== catalogs.es[k])
    .map((k) => catalogs.en[k]);
  return data.filter((d) => translated.includes(d));
}
