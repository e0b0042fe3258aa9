// A first run (no project given, none remembered) opens the built-in sample; with a remembered project
// the opener is shown instead, and its "Try the sample project" button opens the sample too.
import { render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { control, fixtures } from "./test/fake-ipc";

vi.mock("./lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./test/fake-ipc");
  return { ...(await importOriginal<typeof import("./lib/ipc")>()), ipc: fakeIpc };
});

const label = () => document.querySelector("#project-label")?.textContent;
const sampleCalls = () => control.calls.filter((c) => c.command === "openSample").length;

describe("the first run", () => {
  beforeEach(() => {
    localStorage.clear();
    control.calls = [];
  });
  afterEach(() => localStorage.clear());

  it("opens the sample when no project was ever opened", async () => {
    render(App);
    await waitFor(() => expect(label()).toBe(fixtures.project.label));
    expect(sampleCalls()).toBe(1);
  });

  it("shows the opener when a project is remembered, and its sample button opens the sample", async () => {
    localStorage.setItem("envdeck.recent", JSON.stringify(["/home/ana/other"]));
    render(App);
    const button = await waitFor(() => {
      const b = document.querySelector<HTMLButtonElement>("#open-sample");
      if (!b) throw new Error("no sample button yet");
      return b;
    });
    expect(sampleCalls()).toBe(0);
    button.click();
    await waitFor(() => expect(label()).toBe(fixtures.project.label));
    expect(sampleCalls()).toBe(1);
  });
});
