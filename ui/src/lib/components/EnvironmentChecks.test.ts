// A server's environment: the checks say first whether its engine answers (with Rust's detail: the
// version, or why not, naming the host), as a line of its own that counts in the summary.
import { render, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import EnvironmentChecks from "./EnvironmentChecks.svelte";
import { fixtures } from "../../test/fake-ipc";

vi.mock("../ipc", async (importOriginal) => {
  const { fakeIpc } = await import("../../test/fake-ipc");
  return { ...(await importOriginal<typeof import("../ipc")>()), ipc: fakeIpc };
});

const q = (selector: string) => document.querySelector<HTMLElement>(selector);
const local = fixtures.doctor.server;

describe("EnvironmentChecks of a server's environment", () => {
  afterEach(() => {
    fixtures.doctor.server = local;
  });

  it("shows a local environment without an engine line", async () => {
    render(EnvironmentChecks, { dir: "/p", env: "local" });
    await waitFor(() => expect(q("#checks-summary")).not.toBeNull());
    expect(q("#check-server")).toBeNull();
  });

  it("says the server's engine answers, or why not, first", async () => {
    fixtures.doctor.server = {
      engine: "ssh://deploy@example.org",
      status: { state: "unreachable", reason: "the server example.org cannot be reached over ssh (Connection refused)." },
    };
    render(EnvironmentChecks, { dir: "/p", env: "prod" });
    await waitFor(() => expect(q("#check-server")).not.toBeNull());
    const line = q("#check-server");
    expect(line?.dataset.ok).toBe("false");
    expect(line?.textContent).toContain("ssh://deploy@example.org");
    expect(line?.textContent).toContain("cannot be reached over ssh");
    expect(document.querySelector("#environment-checks li")?.id, "the engine comes first").toBe("check-server");
  });
});
