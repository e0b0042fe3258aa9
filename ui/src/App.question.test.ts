// A folder that may be a project EnvDeck knew (secrets and data an earlier EnvDeck kept under its name)
// gets a question before it opens: adopting sends the offered handle, a new project sends none, and
// either way the project then opens. Rust's part (what is offered, and that only that is adopted) is
// tested against the real keychain in tests/tests/desktop_picks.rs.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { control, fixtures, shownData } from "./test/fake-ipc";
import { leftovers } from "./test/catalog-check";
import { setLang } from "./lib/i18n/lang.svelte";

vi.mock("./lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./test/fake-ipc");
  return { ...(await importOriginal<typeof import("./lib/ipc")>()), ipc: fakeIpc };
});

const q = <T extends Element>(css: string) => document.querySelector<T>(css);
const answers = () => control.calls.filter((c) => c.command === "answerProject").map((c) => c.args);

describe("a folder EnvDeck may have known", () => {
  beforeEach(() => {
    localStorage.clear();
    setLang("en");
    control.calls = [];
    control.question = fixtures.question;
  });
  afterEach(() => {
    control.question = null;
    localStorage.clear();
  });

  it("asks first, naming the earlier project, and opens it adopted", async () => {
    render(App);
    const adopt = await waitFor(() => {
      const b = q<HTMLButtonElement>("#adopt-project");
      if (!b) throw new Error("no question yet");
      return b;
    });
    expect(q("#project-question")?.textContent).toContain("shop-api");
    expect(q("#project-label"), "nothing opened before the answer").toBeNull();
    expect(q("#project-error"), "the question replaces Rust's CLI sentence").toBeNull();
    for (const lang of ["es", "en"] as const) {
      await fireEvent.change(q<HTMLSelectElement>("header select")!, { target: { value: lang } });
      await tick();
      expect(leftovers(document.body, lang, shownData()), `the question in ${lang}`).toEqual([]);
    }
    adopt.click();
    await waitFor(() => expect(q("#project-label")?.textContent).toBe(fixtures.project.label));
    expect(answers()).toEqual([[fixtures.question.path, "legacy:shop-api"]]);
    expect(q("#project-question"), "answered: the question is gone").toBeNull();
  });

  it("makes it a project of its own when told, adopting nothing", async () => {
    render(App);
    const fresh = await waitFor(() => {
      const b = q<HTMLButtonElement>("#new-project");
      if (!b) throw new Error("no question yet");
      return b;
    });
    fresh.click();
    await waitFor(() => expect(q("#project-label")?.textContent).toBe(fixtures.project.label));
    expect(answers()).toEqual([[fixtures.question.path, null]]);
  });
});
