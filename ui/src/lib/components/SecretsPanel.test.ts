// Copy and reveal in the secrets panel, on fake timers: the copy goes through Rust by name (no value
// in the window), the note counts down the 30 s Rust waits before clearing the clipboard, and a
// revealed value hides itself after 10 s. Nothing of the value reaches the console.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import SecretsPanel from "./SecretsPanel.svelte";
import { control, fixtures } from "../../test/fake-ipc";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const q = (selector: string) => document.querySelector(selector);
const copiedNote = () => q("#secret-SECRET_KEY .copied [aria-hidden]")?.textContent ?? null;

async function seconds(n: number) {
  await vi.advanceTimersByTimeAsync(n * 1000);
  await tick();
}

describe("SecretsPanel", () => {
  let logged: string[];
  beforeEach(() => {
    control.calls = [];
    logged = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    }
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("copies by name and counts down the 30 s until the clipboard is cleared", async () => {
    render(SecretsPanel, { dir: "/p", env: "local", disabled: false });
    await waitFor(() => expect(q("#secret-SECRET_KEY .copy")).not.toBeNull());
    vi.useFakeTimers();

    expect(q("#secret-SMTP_PASSWORD .copy")?.hasAttribute("disabled"), "nothing stored, nothing to copy").toBe(true);
    await fireEvent.click(q("#secret-SECRET_KEY .copy")!);
    await tick();
    const call = control.calls.find((c) => c.command === "copySecret");
    expect(call?.args).toEqual([{ dir: "/p", env: "local" }, "SECRET_KEY"]);
    expect(copiedNote()).toContain("30 s");
    expect(q("#secret-SECRET_KEY")?.textContent, "copying does not show the value").not.toContain(fixtures.revealed);

    await seconds(29);
    expect(copiedNote()).toContain("1 s");
    await seconds(1);
    expect(copiedNote(), "the note goes when the clipboard is cleared").toBeNull();
  });

  it("a second copy restarts the count for the secret copied last", async () => {
    render(SecretsPanel, { dir: "/p", env: "local", disabled: false });
    await waitFor(() => expect(q("#secret-POSTGRES_PASSWORD .copy")).not.toBeNull());
    vi.useFakeTimers();
    await fireEvent.click(q("#secret-SECRET_KEY .copy")!);
    await seconds(20);
    await fireEvent.click(q("#secret-POSTGRES_PASSWORD .copy")!);
    await tick();
    expect(copiedNote(), "only the last copy is on the clipboard").toBeNull();
    expect(q("#secret-POSTGRES_PASSWORD .copied [aria-hidden]")?.textContent).toContain("30 s");
    await seconds(15);
    expect(q("#secret-POSTGRES_PASSWORD .copied [aria-hidden]")?.textContent).toContain("15 s");
  });

  it("a revealed value hides itself after 10 s, and is never logged", async () => {
    render(SecretsPanel, { dir: "/p", env: "local", disabled: false });
    await waitFor(() => expect(q("#secret-SECRET_KEY .reveal")).not.toBeNull());
    vi.useFakeTimers();
    await fireEvent.click(q("#secret-SECRET_KEY .reveal")!);
    await seconds(0);
    expect(q("#secret-SECRET_KEY .revealed")?.textContent).toBe(fixtures.revealed);
    await seconds(9);
    expect(q("#secret-SECRET_KEY .revealed")).not.toBeNull();
    await seconds(1);
    expect(q("#secret-SECRET_KEY .revealed")).toBeNull();
    expect(logged.filter((l) => l.includes(fixtures.revealed))).toEqual([]);
  });
});
