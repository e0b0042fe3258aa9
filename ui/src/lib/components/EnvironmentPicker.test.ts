// The estimate on an environment card is the project's own figure, and only when it states one.
import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import EnvironmentPicker from "./EnvironmentPicker.svelte";
import { fixtures } from "../../test/fake-ipc";

const card = (id: string) => document.querySelector(`#env-${id}`);

describe("EnvironmentPicker estimates", () => {
  it("shows the manifest's RAM and start-up figures, part of them, or nothing at all", () => {
    render(EnvironmentPicker, { project: fixtures.project, selected: "local", disabled: false, onselect: () => {} });
    expect(card("local")?.querySelector(".memory")?.textContent).toBe("~1,536 MB of RAM");
    expect(card("local")?.querySelector(".startup")?.textContent).toBe("starts in ~12 s");
    expect(card("sqlite")?.querySelector(".memory"), "no memory figure given, none shown").toBeNull();
    expect(card("sqlite")?.querySelector(".startup")?.textContent).toBe("starts in ~2 s");
    expect(card("prod")?.querySelector(".estimate"), "no estimate: no made-up number").toBeNull();
  });
});
