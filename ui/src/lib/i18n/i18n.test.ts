import { describe, expect, it } from "vitest";
import { catalogs, initialLang, translate } from "./index";

describe("catalogs", () => {
  it("Spanish has every English key and no extra ones, so switching language switches every string", () => {
    expect(Object.keys(catalogs.es).sort()).toEqual(Object.keys(catalogs.en).sort());
  });

  it("no Spanish message is left empty", () => {
    for (const [key, text] of Object.entries(catalogs.es)) expect(text.trim(), key).not.toBe("");
  });

  it("placeholders are the same in both languages, or a translation would drop a value", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(catalogs.en) as (keyof typeof catalogs.en)[]) {
      expect(names(catalogs.es[key]), key).toEqual(names(catalogs.en[key]));
    }
  });
});

describe("translate", () => {
  it("fills placeholders", () => {
    expect(translate("es", "footer.version", { version: "1.2.3" })).toBe("Versión 1.2.3");
  });
});

describe("initialLang", () => {
  it("prefers the saved choice, then the OS languages, then English", () => {
    expect(initialLang("es", ["en-US"])).toBe("es");
    expect(initialLang(null, ["es-AR", "en"])).toBe("es");
    expect(initialLang(null, ["fr-FR", "en-GB"])).toBe("en");
    expect(initialLang(null, ["de"])).toBe("en");
  });
});
