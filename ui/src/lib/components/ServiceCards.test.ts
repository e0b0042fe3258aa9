// Restart one service from its card: the API is asked for that service only, every Restart button
// waits while one runs, and the card's own button says what is happening.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import ServiceCards from "./ServiceCards.svelte";
import { control } from "../../test/fake-ipc";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const button = (service: string) => document.querySelector<HTMLButtonElement>(`#service-${service} button.restart`);

describe("ServiceCards restart", () => {
  let release = () => {};
  beforeEach(() => {
    control.calls = [];
    control.release = new Promise<void>((r) => (release = r));
  });
  afterEach(() => release());

  it("restarts the one service, with the buttons held while it runs", async () => {
    render(ServiceCards, { dir: "/p", env: "local", refreshKey: 0 });
    await waitFor(() => expect(button("web")).not.toBeNull());
    expect(button("web")?.getAttribute("aria-label")).toBe("Restart web");

    await fireEvent.click(button("web")!);
    const call = control.calls.find((c) => c.command === "restartService");
    expect(call?.args).toEqual([{ dir: "/p", env: "local" }, "web"]);
    expect(button("web")?.textContent).toBe("Restarting…");
    expect(button("db")?.disabled, "one restart at a time").toBe(true);

    release();
    await waitFor(() => expect(button("web")?.textContent).toBe("Restart"));
    await tick();
    expect(button("db")?.disabled).toBe(false);
  });

  it("is held while the environment is busy (Start, Stop)", async () => {
    render(ServiceCards, { dir: "/p", env: "local", refreshKey: 0, disabled: true });
    await waitFor(() => expect(button("db")).not.toBeNull());
    expect(button("db")?.disabled).toBe(true);
  });
});

describe("ServiceCards usage", () => {
  it("draws CPU and memory of a running container from the stats stream, with the figures in words", async () => {
    render(ServiceCards, { dir: "/p", env: "local", refreshKey: 0 });
    await waitFor(() => expect(document.querySelector("#service-db .usage")).not.toBeNull());
    await waitFor(() => expect(document.querySelector("#service-db .usage")?.textContent).toContain("CPU 25.0 %"));
    expect(document.querySelector("#service-db .usage")?.textContent).toContain("Memory 63 MiB");
    const line = document.querySelector("#service-db .usage polyline")?.getAttribute("points") ?? "";
    expect(line.split(" "), "one point per sample").toHaveLength(4);
  });
});
