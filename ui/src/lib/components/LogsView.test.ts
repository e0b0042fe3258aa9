// The logs view with 100,000 lines: the DOM holds only a window of rows, filtering finds the right
// ones, and following shows the newest. Prints how long the lines took to show (a figure, not a test).
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import LogsView from "./LogsView.svelte";
import { control } from "../../test/fake-ipc";
import type { LogLine } from "../bindings/LogLine";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const TOTAL = 100_000;
// Viewport 420 px / 20 px rows + 20 rows of overscan on each side.
const MOST_ROWS = Math.ceil(420 / 20) + 2 * 20;

function lines(n: number): LogLine[] {
  return Array.from({ length: n }, (_, i) => ({
    service: i % 2 === 0 ? "web" : "db",
    container: "c",
    stream: "stdout",
    text: i % 1000 === 0 ? `ERROR job ${i} failed` : i % 500 === 0 ? `WARN slow job ${i}` : `line ${i}`,
  }));
}

const rowsInDom = () => document.querySelectorAll(".log-line");
const texts = () => [...rowsInDom()].map((r) => r.querySelector(".log-text")?.textContent);
const counter = () => document.querySelector("#logs-count")?.textContent ?? "";

describe("LogsView with 100,000 lines", () => {
  afterEach(() => (control.logs = null));

  it("renders a bounded window, follows the newest line, filters, and keeps ERROR/WARN marked", async () => {
    control.logs = lines(TOTAL);
    const started = performance.now();
    render(LogsView, { dir: "/p", env: "local", services: ["web", "db"] });
    await waitFor(() => expect(counter()).toContain("100,000 of 100,000"), { timeout: 10_000 });
    const shownAfter = performance.now() - started;

    expect(rowsInDom().length, "only the rows in view and the overscan are in the DOM").toBeLessThanOrEqual(MOST_ROWS);
    expect(rowsInDom().length).toBeGreaterThan(0);
    expect(texts().at(-1), "following: the newest line is on screen").toBe(`line ${TOTAL - 1}`);

    const filterStarted = performance.now();
    await fireEvent.input(document.querySelector("#logs-filter")!, { target: { value: "error job" } });
    await waitFor(() => expect(counter()).toContain("100 of 100,000"));
    const filteredAfter = performance.now() - filterStarted;
    expect(rowsInDom().length, "100 matches, still only a window of them").toBeLessThanOrEqual(MOST_ROWS);
    expect([...rowsInDom()].every((r) => r.getAttribute("data-level") === "error")).toBe(true);
    expect(texts().at(-1)).toBe("ERROR job 99000 failed");

    await fireEvent.input(document.querySelector("#logs-filter")!, { target: { value: "WARN slow" } });
    await waitFor(() => expect(counter()).toContain("100 of 100,000"));
    expect(document.querySelectorAll(".log-line[data-level='warn']").length).toBe(rowsInDom().length);

    // Not following: the window is where the scroll is (the top, in a DOM without layout).
    await fireEvent.input(document.querySelector("#logs-filter")!, { target: { value: "" } });
    await fireEvent.click(document.querySelector("#logs-follow")!);
    await waitFor(() => expect(texts()[0]).toBe("ERROR job 0 failed"));
    expect(rowsInDom().length).toBeLessThanOrEqual(MOST_ROWS);

    console.info(
      `logs view: ${TOTAL} lines received and shown in ${shownAfter.toFixed(0)} ms; filtered in ${filteredAfter.toFixed(0)} ms (jsdom, no layout)`,
    );
  });

  it("keeps at most its capacity, dropping the oldest lines", async () => {
    control.logs = lines(5000);
    render(LogsView, { dir: "/p", env: "local", services: [], maxLines: 1000 });
    await waitFor(() => expect(counter()).toMatch(/of 1,\d{3} lines/));
    await fireEvent.click(document.querySelector("#logs-follow")!);
    await waitFor(() => expect(texts()[0]).not.toBe("ERROR job 0 failed"));
    expect(Number(counter().match(/of ([\d,]+)/)?.[1].replace(",", ""))).toBeLessThanOrEqual(1100);
  });
});
