// Changing secrets from the panel: Rotate shows what it implies and changes nothing until confirmed;
// an entered secret is typed and stored by name; an import says what it took, kept and skipped.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import SecretsPanel from "./SecretsPanel.svelte";
import { control, fixtures } from "../../test/fake-ipc";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const q = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const calls = (command: string) => control.calls.filter((c) => c.command === command);
const target = { dir: "/p", env: "local" };

describe("SecretsPanel changes", () => {
  beforeEach(() => {
    control.calls = [];
    control.pickedFile = null;
  });

  it("explains a rotation first, and rotates only on confirm", async () => {
    render(SecretsPanel, { ...target, disabled: false });
    await waitFor(() => expect(q("#secret-POSTGRES_PASSWORD .rotate")).not.toBeNull());
    expect(q("#secret-SMTP_PASSWORD .rotate"), "an entered secret is typed, not rotated").toBeNull();
    expect(q("#secret-REDIS_PASSWORD .rotate"), "nothing stored yet: nothing to rotate").toBeNull();
    expect(
      q("#secret-REDIS_PASSWORD .enter-value"),
      "a generated secret not in the keychain can be typed back (the keychain may have lost it)",
    ).not.toBeNull();

    await fireEvent.click(q("#secret-POSTGRES_PASSWORD .rotate")!);
    await waitFor(() => expect(q("#secrets-rotate")).not.toBeNull());
    const kinds = [...document.querySelectorAll("#secrets-rotate li")].map((li) => li.getAttribute("data-kind"));
    expect(kinds).toEqual(["database_volume", "database_url", "old_exports"]);
    expect(q("#secrets-rotate")?.textContent).toContain("ALTER ROLE");
    expect(q("#secrets-rotate")?.textContent, "the placeholder is filled").toContain("${POSTGRES_PASSWORD}");
    expect(calls("rotateSecret"), "asking is not rotating").toEqual([]);

    await fireEvent.click([...document.querySelectorAll<HTMLButtonElement>("#secrets-rotate button")].at(-1)!);
    expect(q("#secrets-rotate"), "Cancel closes it").toBeNull();
    expect(calls("rotateSecret")).toEqual([]);

    await fireEvent.click(q("#secret-POSTGRES_PASSWORD .rotate")!);
    await waitFor(() => expect(q("#rotate-confirm")).not.toBeNull());
    await fireEvent.click(q("#rotate-confirm")!);
    await waitFor(() => expect(q("#secrets-notice")?.textContent).toContain("POSTGRES_PASSWORD rotated"));
    expect(calls("rotateSecret").map((c) => c.args)).toEqual([[target, "POSTGRES_PASSWORD"]]);
  });

  it("stores a typed value by name and forgets it in the window", async () => {
    render(SecretsPanel, { ...target, disabled: false });
    await waitFor(() => expect(q("#secret-SMTP_PASSWORD .enter-value")).not.toBeNull());
    await fireEvent.click(q("#secret-SMTP_PASSWORD .enter-value")!);
    const input = q<HTMLInputElement>("#secret-SMTP_PASSWORD form.enter input")!;
    expect(input.type, "typed out of sight").toBe("password");
    expect(q<HTMLButtonElement>("#secret-SMTP_PASSWORD form.enter button[type=submit]")?.disabled).toBe(true);
    await fireEvent.input(input, { target: { value: "smtp-pass" } });
    await fireEvent.submit(q("#secret-SMTP_PASSWORD form.enter")!);
    await waitFor(() => expect(q("#secrets-notice")?.textContent).toContain("SMTP_PASSWORD is saved"));
    expect(calls("enterSecret").map((c) => c.args)).toEqual([[target, "SMTP_PASSWORD", "smtp-pass"]]);
    expect(q("#secret-SMTP_PASSWORD form.enter"), "the field is gone with its value").toBeNull();
  });

  it("imports from a picked file and reports what it took, kept and left alone", async () => {
    render(SecretsPanel, { ...target, disabled: false });
    await waitFor(() => expect(q("#import-secrets")).not.toBeNull());
    await fireEvent.click(q("#import-secrets")!);
    await tick();
    expect(q("#secrets-import"), "a cancelled picker does nothing").toBeNull();

    control.pickedFile = fixtures.envFile;
    await fireEvent.click(q("#import-secrets")!);
    await waitFor(() => expect(q("#secrets-import")?.textContent).toContain(fixtures.envFile));
    await fireEvent.click(q("#secrets-import input[type=checkbox]")!);
    await fireEvent.submit(q("#secrets-import")!);
    await waitFor(() => expect(document.querySelectorAll(".secrets-notice").length).toBe(4));
    expect(calls("importSecrets").map((c) => c.args)).toEqual([[target, fixtures.envFile, true]]);
    const text = [...document.querySelectorAll(".secrets-notice")].map((p) => p.textContent).join("\n");
    expect(text).toContain("Imported: SMTP_PASSWORD");
    expect(text).toContain("Kept, already in the keychain: SECRET_KEY");
    expect(text).toContain("rotate them when you can: SMTP_PASSWORD");
    expect(text).toContain("3 other keys");
  });
});
