// The Tasks tab over the fake Rust side: Run is disabled while its Task runs and when its service is not
// running (saying why), output lines are appended as they arrive, and the end is said in words (exit
// code), not by colour alone.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import TasksPanel from "./TasksPanel.svelte";
import { control, fixtures } from "../../test/fake-ipc";
import { setLang } from "../i18n/lang.svelte";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const q = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const runButton = (id: string) => q<HTMLButtonElement>(`#task-${id} .run-task`);
const lines = (id: string) => [...document.querySelectorAll(`#task-${id} .task-line`)].map((l) => l.textContent);

describe("TasksPanel", () => {
  let release = () => {};
  beforeEach(() => {
    setLang("en");
    control.calls = [];
    control.taskCode = 0;
    control.release = new Promise<void>((r) => (release = r));
  });
  afterEach(() => {
    release();
    control.release = Promise.resolve();
  });

  it("disables Run while the task runs, appends its output as it comes, then says how it ended", async () => {
    render(TasksPanel, { dir: "/p", env: "local", refreshKey: 0 });
    await waitFor(() => expect(runButton("migrate")?.disabled, "web is running: Run can be pressed").toBe(false));

    await fireEvent.click(runButton("migrate")!);
    await waitFor(() => expect(lines("migrate")).toEqual([fixtures.taskOutput[0].text]));
    expect(runButton("migrate")?.disabled, "a second Run of the same task waits for the first").toBe(true);
    expect(runButton("migrate")?.textContent).toContain("Running");
    expect(q("#task-migrate .task-status")?.textContent).toContain("Running");
    expect(control.calls.find((c) => c.command === "runTask")?.args).toEqual([{ dir: "/p", env: "local" }, "migrate"]);

    release();
    await waitFor(() => expect(q("#task-migrate")?.dataset.status).toBe("succeeded"));
    expect(lines("migrate"), "the later line is appended after the first, not in its place").toEqual(
      fixtures.taskOutput.map((l) => l.text),
    );
    expect(q("#task-migrate .task-line.stderr")?.textContent, "stderr is marked").toBe(fixtures.taskOutput[1].text);
    expect(q("#task-migrate .task-status")?.textContent).toContain("Finished: exit code 0");
    expect(runButton("migrate")?.disabled, "Run is back once the task has ended").toBe(false);
  });

  it("says a non-zero exit in words, with the code", async () => {
    control.taskCode = 3;
    render(TasksPanel, { dir: "/p", env: "local", refreshKey: 0 });
    await waitFor(() => expect(runButton("seed")?.disabled).toBe(false));
    await fireEvent.click(runButton("seed")!);
    release();
    await waitFor(() => expect(q("#task-seed")?.dataset.status).toBe("failed"));
    const status = q("#task-seed .task-status")?.textContent ?? "";
    expect(status).toContain("Failed: exit code 3");
    expect(status, "an icon as well as the colour").toContain("✖");
  });

  it("keeps Run disabled when the service is not running and says why; a host task runs any time", async () => {
    render(TasksPanel, { dir: "/p", env: "local", refreshKey: 0 });
    await waitFor(() => expect(runButton("mailtest")).not.toBeNull());
    await waitFor(() => expect(q("#task-mailtest .task-why")?.textContent).toContain("mailhog is not running"));
    expect(runButton("mailtest")?.disabled, "mailhog has exited").toBe(true);
    expect(runButton("mailtest")?.getAttribute("aria-describedby"), "the reason is read with the button").toBe(
      "task-why-mailtest",
    );
    expect(runButton("lint")?.disabled, "a host task needs no service").toBe(false);
    expect(q("#task-lint")?.textContent).toContain("on this computer");
    expect(q("#task-lint .task-why"), "nothing to explain").toBeNull();
  });

  it("shows each command as a shell would read it back", async () => {
    render(TasksPanel, { dir: "/p", env: "local", refreshKey: 0 });
    await waitFor(() => expect(q("#task-seed .task-command")).not.toBeNull());
    expect(q("#task-migrate .task-command")?.textContent).toBe("alembic upgrade 1a2b");
    expect(q("#task-seed .task-command")?.textContent, "an argument with spaces and quotes stays one argument").toBe(
      String.raw`sh -c './seed.sh '\''ana@example.org'\'''`,
    );
  });

  it("keeps Run disabled while the environment starts or stops", async () => {
    render(TasksPanel, { dir: "/p", env: "local", refreshKey: 0, disabled: true });
    await waitFor(() => expect(q("#task-migrate .task-why")?.textContent).toContain("Start or Stop"));
    expect(runButton("migrate")?.disabled).toBe(true);
  });
});
