// The Backups tab over the fake Rust side: the list shows name, size and date; "Back up now" opens the
// save dialog on Rust's default file and backs up to the path picked; "Restore…" refuses until the
// environment's name is typed, and an error from Rust is shown as its message.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import BackupsPanel from "./BackupsPanel.svelte";
import { backupFailed, control, fixtures } from "../../test/fake-ipc";
import { setLang } from "../i18n/lang.svelte";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const q = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const row = (name: string) => q(`tr.backup[data-name="${name}"]`);
const props = { dir: "/p", env: "local", label: "Docker full" };

describe("BackupsPanel", () => {
  beforeEach(() => {
    setLang("en");
    control.calls = [];
    control.savePick = fixtures.backupWritten;
    control.backupFails = false;
  });

  it("lists each backup with its size and when it was written", async () => {
    render(BackupsPanel, props);
    const [first, second] = fixtures.backups;
    await waitFor(() => expect(row(first.name)).not.toBeNull());
    expect(row(first.name)?.textContent).toContain("1.5 KB");
    expect(row(second.name)?.textContent).toContain("3 MB");
    expect(row(first.name)?.querySelector("time")?.getAttribute("datetime")).toBe("2026-11-24T05:02:03.000Z");
    expect(row(first.name)?.querySelector("time")?.textContent, "a date in digits").toMatch(/2026/);
  });

  it("backs up to the file picked in the save dialog, which opens on Rust's default", async () => {
    render(BackupsPanel, props);
    await waitFor(() => expect(q("#backup-now")).not.toBeNull());
    await fireEvent.click(q("#backup-now")!);
    await waitFor(() => expect(q("#backups-notice")?.textContent).toContain(fixtures.backupWritten));
    expect(control.calls.find((c) => c.command === "pickSaveFile")?.args[1]).toBe(fixtures.backupWritten);
    expect(control.calls.find((c) => c.command === "backupNow")?.args).toEqual([
      { dir: "/p", env: "local" },
      fixtures.backupWritten,
    ]);
  });

  it("does nothing when the save dialog is cancelled", async () => {
    control.savePick = null;
    render(BackupsPanel, props);
    await waitFor(() => expect(q("#backup-now")).not.toBeNull());
    await fireEvent.click(q("#backup-now")!);
    await waitFor(() => expect(control.calls.some((c) => c.command === "pickSaveFile")).toBe(true));
    expect(control.calls.some((c) => c.command === "backupNow"), "no file chosen, no backup").toBe(false);
    expect(q("#backups-notice")).toBeNull();
  });

  it("refuses a restore until the environment's name is typed, then restores that backup", async () => {
    render(BackupsPanel, props);
    const chosen = fixtures.backups[1];
    await waitFor(() => expect(row(chosen.name)).not.toBeNull());
    await fireEvent.click(row(chosen.name)!.querySelector("button.restore")!);
    await waitFor(() => expect(q("#restore-dialog[open]")).not.toBeNull());
    expect(q("#restore-dialog")?.textContent, "the dialog names the backup").toContain(chosen.name);

    const confirm = q<HTMLButtonElement>("#restore-confirm")!;
    expect(confirm.disabled, "nothing typed yet").toBe(true);
    await fireEvent.input(q("#restore-name")!, { target: { value: "prod" } });
    expect(confirm.disabled, "`prod` is not `local`").toBe(true);
    expect(q("#restore-mismatch")?.textContent).toContain("nothing will be restored");
    await fireEvent.click(confirm);
    expect(control.calls.some((c) => c.command === "restoreBackup"), "a wrong name never reaches Rust").toBe(false);

    await fireEvent.input(q("#restore-name")!, { target: { value: "local" } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(q("#backups-notice")?.textContent).toContain(`${chosen.name} restored into Docker full`));
    expect(control.calls.find((c) => c.command === "restoreBackup")?.args).toEqual([
      { dir: "/p", env: "local" },
      chosen.path,
      "local",
    ]);
    expect(q("#restore-dialog"), "the dialog closes").toBeNull();
  });

  it("cancel closes the restore dialog without restoring", async () => {
    render(BackupsPanel, props);
    await waitFor(() => expect(q("#restore-file")).not.toBeNull());
    await fireEvent.click(q("#restore-file")!);
    await waitFor(() => expect(q("#restore-dialog[open]")).not.toBeNull());
    expect(q("#restore-dialog")?.textContent, "a picked file is named by its file name").toContain(fixtures.backups[1].name);
    await fireEvent.click(q("#restore-cancel")!);
    expect(q("#restore-dialog")).toBeNull();
    expect(control.calls.some((c) => c.command === "restoreBackup")).toBe(false);
  });

  it("shows an error from Rust in its own words, and the buttons come back", async () => {
    control.backupFails = true;
    render(BackupsPanel, props);
    await waitFor(() => expect(q("#backup-now")).not.toBeNull());
    await fireEvent.click(q("#backup-now")!);
    await waitFor(() => expect(q("#backups-error .error-detail")?.textContent).toBe(backupFailed.message));
    expect(q("#backups-notice")).toBeNull();
    expect(q<HTMLButtonElement>("#backup-now")?.disabled).toBe(false);
  });

  it("words Rust's error from its facts in Spanish", async () => {
    setLang("es");
    control.backupFails = true;
    render(BackupsPanel, props);
    await waitFor(() => expect(q("#backup-now")).not.toBeNull());
    await fireEvent.click(q("#backup-now")!);
    await waitFor(() =>
      expect(q("#backups-error .error-detail")?.textContent).toBe(
        "el servicio de base de datos `db` no está en marcha; arranca primero el entorno: envdeck up local",
      ),
    );
    setLang("en");
  });
});
