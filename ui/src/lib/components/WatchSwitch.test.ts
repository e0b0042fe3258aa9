// The Watch switch: offered only for services with `develop.watch` rules, it asks Rust to watch the
// environment, lists each copy, restart and failure in the person's language, and turns the watch off
// with the switch, or by itself when nothing runs any more.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import WatchSwitch from "./WatchSwitch.svelte";
import { control } from "../../test/fake-ipc";
import { setLang } from "../i18n/lang.svelte";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const target = { dir: "/p", env: "local" };
const lines = () => [...document.querySelectorAll("#watch-log .watch-line")].map((l) => l.textContent?.trim());
const commands = () => control.calls.map((c) => c.command);

describe("WatchSwitch", () => {
  beforeEach(() => {
    control.calls = [];
    setLang("en");
  });
  afterEach(() => setLang("en"));

  it("is not offered when no running service has watch rules", () => {
    render(WatchSwitch, { props: { target, watchable: [] } });
    expect(document.querySelector("#watch")).toBeNull();
  });

  it("watches on the switch, lists what the watch did, newest first, and stops on the switch", async () => {
    render(WatchSwitch, { props: { target, watchable: ["web"] } });
    expect(document.querySelector("#watch")?.textContent).toContain("copies your edits into web");
    await fireEvent.click(document.querySelector("#watch-switch")!);
    expect(control.calls.find((c) => c.command === "watchFiles")?.args).toEqual([target]);
    await waitFor(() => expect(lines()).toHaveLength(4));
    expect(lines()).toEqual([
      "web: copying the changed files into service `web` failed: Could not find the file /app in container shop-local-web-1",
      "web: restarted in 1240 ms",
      "web: 2 file(s) copied, 1 removed, in 85 ms",
      "web: watching /home/ana/shop/backend/src",
    ]);
    expect(document.querySelector("#watch")?.getAttribute("data-on")).toBe("true");

    await fireEvent.click(document.querySelector("#watch-switch")!);
    await waitFor(() => expect(commands()).toContain("unwatchFiles"));
    expect(document.querySelector("#watch")?.getAttribute("data-on")).toBe("false");
    expect(document.querySelector("#watch-log"), "the list goes with the watch").toBeNull();
  });

  it("words a failed copy from its facts in Spanish", async () => {
    setLang("es");
    render(WatchSwitch, { props: { target, watchable: ["web"] } });
    await fireEvent.click(document.querySelector("#watch-switch")!);
    await waitFor(() => expect(lines()).toHaveLength(4));
    expect(lines()[0]).toBe(
      "web: no se pudo copiar los archivos cambiados al servicio `web`: Could not find the file /app in container shop-local-web-1",
    );
    expect(lines()[1]).toBe("web: reiniciado en 1240 ms");
  });

  it("stops by itself when nothing runs any more", async () => {
    const shown = render(WatchSwitch, { props: { target, watchable: ["web"] } });
    await fireEvent.click(document.querySelector("#watch-switch")!);
    await waitFor(() => expect(lines().length).toBeGreaterThan(0));
    await shown.rerender({ target, watchable: [] });
    await waitFor(() => expect(commands()).toContain("unwatchFiles"));
    expect(document.querySelector("#watch")).toBeNull();
  });
});
