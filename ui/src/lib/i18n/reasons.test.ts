import { describe, expect, it } from "vitest";
import type { ApiError } from "../bindings/ApiError";
import samples from "../bindings/reason-samples.json";
import { errorDetail, isWord } from "./index";

// One error of every kind that has a reason, as Rust sends it (written by envdeck-api's
// `reason::tests::every_kind_has_a_sample_for_the_windows_catalog`).
const errors = samples as ApiError[];

/** Every fact that is a value, inner reasons (a failed service's `why`, the `reason` of a cause) and
 *  lists opened; a cause's English message counts only when it has no reason to be worded by. */
function plainFacts(reason: object): [string, string | number][] {
  const worded = "reason" in reason && "message" in reason;
  return Object.entries(reason).flatMap(([name, value]) =>
    name === "kind" || (worded && name === "message")
      ? []
      : value !== null && typeof value === "object"
        ? plainFacts(value)
        : [[name, value]],
  );
}

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
      for (const [name, value] of plainFacts(e.reason!))
        if (!isWord(name, value)) expect(es, `${e.reason!.kind}.${name}`).toContain(String(value));
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

  it("a failed service's cause is worded inside its sentence, even a cause within a cause", () => {
    const oom = errors.find((e) => e.reason?.kind === "service_failed" && e.message.includes("memory limit"))!;
    expect(errorDetail("es", oom)).toMatch(
      /^el servicio `db` fue detenido por el núcleo por falta de memoria: necesitaba más que su límite de memoria de 256 MiB \(terminó con el código 137\)/,
    );
  });

  it("an engine step is a word of the sentence: Docker's own words stay as they are", () => {
    const volume = errors.find((e) => e.reason?.kind === "step_failed" && e.message.startsWith("removing volume"))!;
    expect(errorDetail("es", volume)).toBe(
      "no se pudo eliminar el volumen shop-local_volume: Conflict. The container name is already in use",
    );
  });

  it("a project's wrong file is worded with its place: the file, the line, the service and key", () => {
    const problem = (kind: string, has: string) =>
      errors.find((e) => e.reason?.kind === "invalid_project" && e.reason.problem.kind === kind && e.message.includes(has))!;
    expect(errorDetail("es", problem("yaml", "line 12"))).toBe(
      "/home/dev/shop/compose.yaml, línea 12: YAML no válido: did not find expected key while parsing a block mapping",
    );
    expect(errorDetail("es", problem("invalid", "service `db`"))).toBe(
      "/home/dev/shop/compose.yaml: servicio `db`, `ports`: se esperaba a list, se encontró a string",
    );
    expect(errorDetail("es", problem("included_twice", "pgdata"))).toMatch(/definen ambos un volumen `pgdata`/);
  });

  it("an error inside another is worded by its own reason, and what a Start made is a list", () => {
    const stopped = errors.find((e) => e.reason?.kind === "server_start_stopped")!;
    expect(errorDetail("es", stopped)).toMatch(
      /^el Start en el servidor staging.example.com se detuvo: no se pudo crear el contenedor .*Docker dejó de responder en ssh:\/\/deploy@staging.example.com.*creó en staging.example.com la red shop-staging-1c916399_default, el volumen shop-staging-1c916399_pgdata, el servicio db\./,
    );
    const rotation = errors.find((e) => e.reason?.kind === "not_rotated")!;
    expect(errorDetail("es", rotation)).toContain(
      "EnvDeck la cambia allí primero. el servicio de base de datos `db` no está en marcha",
    );
    const unworded = errors.find(
      (e) => e.reason?.kind === "server_start_stopped_early" && e.message.includes("has no words"),
    )!;
    expect(errorDetail("es", unworded)).toContain("se detuvo: the engine said something EnvDeck has no words for.");
  });

  it("only a fact meant as a word is one: an environment named `stop` stays `stop`", () => {
    const busy = errors.find((e) => e.reason?.kind === "busy_unknown")!;
    const named = { ...busy, reason: { ...busy.reason!, env: "stop" } } as ApiError;
    expect(errorDetail("es", named)).toMatch(/^stop está ocupado/);
  });
});
