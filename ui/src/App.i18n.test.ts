// Switching the language switches every visible string: the whole app is driven through its screens
// (first run, project, Start in progress and failed, Stop, services, logs, tasks running and ended,
// backups with a notice and the restore dialog, secrets, checks, wipe dialog) over a
// fake Rust side, and on each screen the language select is switched to Spanish and back; every text
// and read-out attribute must then come from that language's catalog or be data shown as it is.
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { control, fixtures, shownData } from "./test/fake-ipc";
import { dataHidingEnglish, leftovers } from "./test/catalog-check";
import { setLang } from "./lib/i18n/lang.svelte";
import type { Lang } from "./lib/i18n";

vi.mock("./lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./test/fake-ipc");
  return { ...(await importOriginal<typeof import("./lib/ipc")>()), ipc: fakeIpc };
});

const data = shownData();

function el<T extends Element = HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`${selector} is not on the screen`);
  return found;
}

const appears = (selector: string) => waitFor(() => el(selector));

async function switchTo(lang: Lang) {
  await fireEvent.change(el<HTMLSelectElement>("header select"), { target: { value: lang } });
  await tick();
  expect(document.documentElement.lang).toBe(lang);
}

/** On the current screen: Spanish, then English, each with nothing left from elsewhere. */
async function everyStringSwitches(screenName: string) {
  for (const lang of ["es", "en"] as const) {
    await switchTo(lang);
    const found = leftovers(document.body, lang, data);
    expect(found, `${screenName} in ${lang}: text not from the ${lang} catalog`).toEqual([]);
  }
}

describe("switching the language", () => {
  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem("envdeck.recent", JSON.stringify([fixtures.project.dir]));
    setLang("en");
    control.startFails = true;
    control.release = Promise.resolve();
    control.calls = [];
    control.backupFails = false;
    control.savePick = fixtures.backupWritten;
  });
  afterEach(() => localStorage.clear());

  it("the fixtures hold no English message as data, or a leftover English string would pass unseen", () => {
    expect(dataHidingEnglish(data)).toEqual([]);
  });

  it("switches every visible string on every screen", async () => {
    render(App);
    await appears("#docker-status");
    await appears("#keychain-status");
    await everyStringSwitches("first run");

    (await appears("#opener .recent button")).click();
    await appears("#service-db");
    await appears("#service-db .usage");
    await appears("#comparison");
    await everyStringSwitches("project with service cards");

    let release = () => {};
    control.release = new Promise<void>((r) => (release = r));
    el("#start").click();
    await appears("#timeline .tl-row[data-subject='mailhog'][data-phase='failed']");
    await everyStringSwitches("start in progress");
    release();
    await appears("#env-error");
    await everyStringSwitches("start failed");
    await switchTo("es");
    expect(el("#timeline .tl-row[data-subject='ports'] .tl-message").textContent, "the failed step in Spanish too").toMatch(
      /^el puerto 127\.0\.0\.1:8025 \(servicio `mailhog`\) ya lo usa otro programa/,
    );
    await switchTo("en");

    el("#stop").click();
    await appears("#env-notice");
    await everyStringSwitches("stopped notice");

    control.release = new Promise<void>(() => {});
    el("#start").click();
    await appears("#cancel-start");
    el("#cancel-start").click();
    await waitFor(() => expect(el("#env-notice").textContent).toContain(fixtures.project.environments[0].label));
    await everyStringSwitches("start cancelled");

    el("#tab-logs").click();
    await appears(".log-line[data-level='error']");
    await everyStringSwitches("logs");

    let releaseTask = () => {};
    control.release = new Promise<void>((r) => (releaseTask = r));
    control.taskCode = 0;
    el("#tab-tasks").click();
    await appears("#task-migrate .run-task:enabled");
    await appears("#task-mailtest .task-why");
    await appears("#task-lint .run-task:not([disabled])");
    el("#task-migrate .run-task").click();
    await appears("#task-migrate[data-status='running'] .task-line");
    await everyStringSwitches("task running");
    releaseTask();
    await appears("#task-migrate[data-status='succeeded']");
    control.taskCode = 2;
    el("#task-seed .run-task").click();
    await appears("#task-seed[data-status='failed']");
    await everyStringSwitches("tasks ended");

    el("#tab-backups").click();
    await appears("tr.backup time");
    el("#backup-now").click();
    await appears("#backups-notice");
    await everyStringSwitches("backups");
    control.backupFails = true;
    el("#backup-now").click();
    await appears("#backups-error");
    control.backupFails = false;
    (document.querySelector("tr.backup button.restore") as HTMLElement).click();
    await appears("#restore-dialog[open]");
    await fireEvent.input(el("#restore-name"), { target: { value: "prod" } });
    await appears("#restore-mismatch");
    await everyStringSwitches("restore dialog");
    el("#restore-cancel").click();
    await waitFor(() => expect(document.querySelector("#restore-dialog")).toBeNull());

    el("#tab-secrets").click();
    await appears("#secret-SECRET_KEY");
    el("#generate-secrets").click();
    await appears("#secrets-notice");
    el("#secret-SECRET_KEY .reveal").click();
    await appears("#secret-SECRET_KEY .revealed");
    el("#secret-POSTGRES_PASSWORD .copy").click();
    await appears("#secret-POSTGRES_PASSWORD .copied");
    await everyStringSwitches("secrets");

    el("#secret-POSTGRES_PASSWORD .rotate").click();
    await appears("#secrets-rotate li");
    await everyStringSwitches("rotation explained");
    el("#rotate-confirm").click();
    await waitFor(() => expect(el("#secrets-notice").textContent).toContain("POSTGRES_PASSWORD"));
    await everyStringSwitches("rotated");
    el("#secret-SMTP_PASSWORD .enter-value").click();
    await appears("#secret-SMTP_PASSWORD form.enter");
    await everyStringSwitches("typing a secret");
    control.pickedFile = fixtures.envFile;
    el("#import-secrets").click();
    await appears("#secrets-import");
    await everyStringSwitches("import from a file");
    await fireEvent.submit(el("#secrets-import"));
    await waitFor(() => expect(document.querySelectorAll(".secrets-notice").length).toBeGreaterThan(2));
    await everyStringSwitches("import report");

    el("#tab-checks").click();
    await appears("#checks-summary");
    await everyStringSwitches("environment checks");

    el("#wipe-open").click();
    await appears("#wipe-dialog[open]");
    await appears("#wipe-volumes");
    await fireEvent.input(el("#wipe-name"), { target: { value: "prod" } });
    await appears("#wipe-mismatch");
    await everyStringSwitches("wipe dialog");
  }, 30_000); // one walk through every screen: seconds, more on a busy machine (vitest's default is 5 s)
});

describe("the leftover check", () => {
  afterEach(() => (document.body.innerHTML = ""));

  it("flags a hard-coded word and English left in a Spanish screen, and accepts catalog text with data", () => {
    document.body.innerHTML = `
      <p id="a">Iniciar</p>
      <p id="b">Start</p>
      <button id="c" title="Choose a project folder">x</button>
      <p id="d">Docker full está en marcha.</p>
      <p id="e">seconds</p>`;
    const found = leftovers(document.body, "es", ["Docker full"]).map((l) => l.where);
    expect(found).toEqual(["p#b", "button#c", "button#c[title]", "p#e"]);
  });
});
