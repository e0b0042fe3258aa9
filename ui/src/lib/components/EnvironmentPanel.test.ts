// Cancel of a running Start: only offered while a Start runs, it asks Rust to abort that Start, says so
// as a notice (not an error) with what happens next, and a later Start runs again.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import EnvironmentPanel from "./EnvironmentPanel.svelte";
import { control, fixtures } from "../../test/fake-ipc";
import { setLang } from "../i18n/lang.svelte";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const q = <T extends Element = HTMLButtonElement>(selector: string) => document.querySelector<T>(selector);
const starts = () => control.calls.filter((c) => c.command === "start").length;

describe("EnvironmentPanel cancel", () => {
  beforeEach(() => {
    control.calls = [];
    control.startFails = false;
    control.release = new Promise<void>(() => {}); // a Start that would never end by itself
  });

  it("cancels the running Start, says what is kept, and lets Start run again", async () => {
    const environment = fixtures.project.environments[0];
    render(EnvironmentPanel, { dir: "/p", environment, busy: false, onchanged: () => {} });
    expect(q("#cancel-start"), "nothing to cancel before a Start").toBeNull();

    await fireEvent.click(q("#start")!);
    await waitFor(() => expect(q("#cancel-start")).not.toBeNull());
    expect(q("#start")?.disabled).toBe(true);
    expect(q("#stop")?.disabled).toBe(true);
    expect(q("#cancel-start")?.disabled, "Cancel is the one button left").toBe(false);

    await fireEvent.click(q("#cancel-start")!);
    await waitFor(() => expect(q("#env-notice")).not.toBeNull());
    expect(control.calls.find((c) => c.command === "cancelStart")?.args).toEqual([{ dir: "/p", env: "local" }]);
    expect(q("#env-notice")?.textContent).toContain("What it created so far is kept");
    expect(q("#env-error"), "a cancel is not a failure").toBeNull();
    expect(q("#cancel-start")).toBeNull();
    expect(q("#start")?.disabled).toBe(false);

    control.release = Promise.resolve();
    await fireEvent.click(q("#start")!);
    await waitFor(() => expect(q("#env-notice")?.textContent).toContain("is up"));
    expect(starts(), "the second Start ran").toBe(2);
  });
});

describe("EnvironmentPanel while another EnvDeck holds the environment", () => {
  /** Clicks Start while the envdeck CLI holds the environment; returns what lets the Start go on. */
  async function startWhileHeld(): Promise<() => void> {
    control.calls = [];
    control.startFails = false;
    control.release = Promise.resolve();
    let free = () => {};
    control.lockFreed = new Promise<void>((r) => (free = r));
    control.waitingFor = {
      message: "local is busy: the envdeck CLI (pid 4242) has been starting it for 3 s; waiting for it to finish (up to 600 s)",
      facts: { kind: "waiting", env: "local", client: "cli", pid: 4242, operation: "start", seconds: 3, limit: 600 },
    };
    const environment = fixtures.project.environments[0];
    render(EnvironmentPanel, { dir: "/p", environment, busy: false, onchanged: () => {} });
    await fireEvent.click(q("#start")!);
    await waitFor(() => expect(q("#env-waiting")).not.toBeNull());
    return free;
  }

  afterEach(() => {
    setLang("en");
    control.waitingFor = null;
    control.lockFreed = Promise.resolve();
  });

  it("says who holds it while the Start waits, and stops saying so once the Start goes on", async () => {
    const free = await startWhileHeld();
    expect(q("#env-waiting")?.textContent).toContain("the envdeck CLI (pid 4242)");
    expect(q("#start")?.disabled, "the Start is running: it waits").toBe(true);
    free();
    await waitFor(() => expect(q("#env-notice")?.textContent).toContain("is up"));
    expect(q("#env-waiting"), "no longer waiting").toBeNull();
  });

  it("says it in the person's language, not Rust's English", async () => {
    setLang("es");
    const free = await startWhileHeld();
    expect(q("#env-waiting")?.textContent?.trim()).toBe(
      "local está ocupado: la CLI de envdeck (pid 4242) lleva 3 s arrancándolo; se espera a que termine (hasta 600 s)",
    );
    free();
    await waitFor(() => expect(q("#env-waiting")).toBeNull());
  });
});

describe("EnvironmentPanel during a restore", () => {
  it("holds Start, Stop and Wipe until the restore has finished", async () => {
    control.calls = [];
    let release = () => {};
    control.release = new Promise<void>((r) => (release = r));
    const environment = fixtures.project.environments[0];
    render(EnvironmentPanel, { dir: "/p", environment, busy: false, onchanged: () => {} });
    await fireEvent.click(q("#tab-backups")!);
    await waitFor(() => expect(q("#backups .restore")).not.toBeNull());
    await fireEvent.click(q("#backups .restore")!);
    const typed = await waitFor(() => q<HTMLInputElement>("#restore-name")!);
    await fireEvent.input(typed, { target: { value: environment.id } });
    await fireEvent.click(q("#restore-confirm")!);
    await waitFor(() => expect(control.calls.some((c) => c.command === "restoreBackup")).toBe(true));
    expect(q("#start")?.disabled, "no Start under a restore").toBe(true);
    expect(q("#stop")?.disabled, "no Stop under a restore").toBe(true);
    expect(q("#wipe-open")?.disabled, "no Wipe under a restore").toBe(true);
    release();
    await waitFor(() => expect(q("#start")?.disabled).toBe(false));
    expect(q("#stop")?.disabled).toBe(false);
  });
});

describe("EnvironmentPanel of a server's production environment", () => {
  beforeEach(() => {
    control.calls = [];
    control.startFails = false;
    control.release = Promise.resolve();
  });

  it("says where and what before Start and Stop, and goes on only with the name typed", async () => {
    const environment = fixtures.project.environments[2];
    render(EnvironmentPanel, { dir: "/p", environment, busy: false, onchanged: () => {} });

    await fireEvent.click(q("#start")!);
    await waitFor(() => expect(q("#server-dialog")).not.toBeNull());
    expect(starts(), "nothing starts before the confirmation").toBe(0);
    const dialog = q("#server-dialog")?.textContent ?? "";
    expect(dialog, "names the server").toContain("example.org");
    expect(dialog, "and the services").toContain("web");
    // What Rust's preview says the Start would do there, service by service, and the image it builds.
    await waitFor(() => expect(q("#server-services li[data-change='replace']")?.textContent).toContain("web"));
    expect(q("#server-services li[data-change='remove']")?.textContent).toContain("old-worker");
    expect(q("#server-services li[data-change='build']")?.textContent).toContain("shop/web:2");
    expect(control.calls.find((c) => c.command === "startPreview")?.args).toEqual([{ dir: "/p", env: "prod" }]);
    expect(q("#server-confirm")?.disabled).toBe(true);
    await fireEvent.input(q<HTMLInputElement>("#server-name")!, { target: { value: "Prod" } });
    expect(q("#server-confirm")?.disabled, "a near miss is not the name").toBe(true);
    await fireEvent.click(q("#server-cancel")!);
    await waitFor(() => expect(q("#server-dialog")).toBeNull());
    expect(starts(), "cancelled: nothing started").toBe(0);

    await fireEvent.click(q("#start")!);
    await waitFor(() => expect(q("#server-dialog")).not.toBeNull());
    await fireEvent.input(q<HTMLInputElement>("#server-name")!, { target: { value: "prod" } });
    await fireEvent.click(q("#server-confirm")!);
    await waitFor(() => expect(q("#env-notice")?.textContent).toContain("is up"));
    expect(control.calls.find((c) => c.command === "start")?.args).toEqual([{ dir: "/p", env: "prod" }, "prod"]);

    await fireEvent.click(q("#stop")!);
    await waitFor(() => expect(q("#server-dialog[data-kind='stop']")).not.toBeNull());
    await fireEvent.input(q<HTMLInputElement>("#server-name")!, { target: { value: "prod" } });
    await fireEvent.click(q("#server-confirm")!);
    await waitFor(() => expect(control.calls.some((c) => c.command === "stop")).toBe(true));
    expect(control.calls.find((c) => c.command === "stop")?.args).toEqual([{ dir: "/p", env: "prod" }, "prod"]);
  });

  it("starts a local environment at once, with no name to type", async () => {
    render(EnvironmentPanel, { dir: "/p", environment: fixtures.project.environments[0], busy: false, onchanged: () => {} });
    await fireEvent.click(q("#start")!);
    await waitFor(() => expect(starts()).toBe(1));
    expect(q("#server-dialog")).toBeNull();
    expect(control.calls.find((c) => c.command === "start")?.args).toEqual([{ dir: "/p", env: "local" }, null]);
  });
});
