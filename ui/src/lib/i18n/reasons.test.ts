import { describe, expect, it } from "vitest";
import type { ApiError } from "../bindings/ApiError";
import samples from "../bindings/reason-samples.json";
import { errorDetail, isWord } from "./index";

// One error of every kind that has a reason, as Rust sends it (written by envdeck-api's
// `reason::tests::every_kind_has_a_sample_for_the_windows_catalog`).
const errors = samples as ApiError[];

describe("errors with a reason", () => {
  it("there is a sample of each kind", () => {
    expect(errors.length).toBeGreaterThan(14);
    for (const e of errors) expect(e.reason, e.message).toBeDefined();
  });

  it("English words each exactly as Rust does, so the CLI and the window say the same", () => {
    for (const e of errors) expect(errorDetail("en", e)).toBe(e.message);
  });

  it("Spanish words each in Spanish and keeps every fact: host, port, file, what the server said", () => {
    for (const e of errors) {
      const es = errorDetail("es", e);
      expect(es, e.message).not.toBe(e.message);
      const { kind, ...facts } = e.reason!;
      for (const [name, value] of Object.entries(facts))
        if (!isWord(name, value)) expect(es, kind).toContain(String(value));
    }
  });

  it("an error without a reason shows Rust's message", () => {
    expect(errorDetail("es", { message: "envdeck.toml line 3: unknown key `egine`" })).toBe(
      "envdeck.toml line 3: unknown key `egine`",
    );
  });

  it("a word of the sentence is said in the person's language", () => {
    const locked = errors.find((e) => e.reason?.kind === "keychain_locked")!;
    expect(errorDetail("es", locked)).toMatch(/^no se pudo guardar SECRET_KEY del entorno local/);
    const busy = errors.find((e) => e.reason?.kind === "busy")!;
    expect(errorDetail("es", busy)).toMatch(/^local está ocupado: la app de EnvDeck \(pid 4242\) lleva 12 s restaurando/);
  });

  it("only a fact meant as a word is one: an environment named `stop` stays `stop`", () => {
    const busy = errors.find((e) => e.reason?.kind === "busy_unknown")!;
    const named = { ...busy, reason: { ...busy.reason!, env: "stop" } } as ApiError;
    expect(errorDetail("es", named)).toMatch(/^stop está ocupado/);
  });
});
