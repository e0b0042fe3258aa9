import { describe, expect, it } from "vitest";
import { apply, explain, newTimeline } from "./timeline";

describe("timeline", () => {
  it("follows a service from creating to healthy, in order, once per phase", () => {
    const t = newTimeline("up", 1000);
    apply(t, { event: "step_started", step: { kind: "service", service: "db" } }, 1010);
    apply(t, { event: "step_finished", step: { kind: "service", service: "db" }, outcome: "created" }, 1100);
    apply(t, { event: "step_started", step: { kind: "ready", service: "db" } }, 1110);
    apply(t, { event: "health", service: "db", container: "x-db-1", health: "starting" }, 1200);
    apply(t, { event: "health", service: "db", container: "x-db-1", health: "healthy" }, 2000);
    apply(t, { event: "step_finished", step: { kind: "ready", service: "db" }, outcome: "ready" }, 2001);
    const db = t.rows.find((r) => r.subject === "db");
    expect(db?.history.map((h) => h.phase)).toEqual(["creating", "started", "waiting", "healthy"]);
    expect(db?.history[3].ms).toBe(1000);
  });

  it("a service EnvDeck's probe found ready says so until Docker agrees, and is never sent back to waiting", () => {
    const t = newTimeline("up", 0);
    apply(t, { event: "step_started", step: { kind: "ready", service: "db" } }, 10);
    apply(t, { event: "health", service: "db", container: "x-db-1", health: "checked" }, 900);
    apply(t, { event: "step_finished", step: { kind: "ready", service: "db" }, outcome: "ready" }, 901);
    apply(t, { event: "health", service: "db", container: "x-db-1", health: "starting" }, 950);
    const db = t.rows.find((r) => r.subject === "db");
    expect(db?.phase).toBe("checked");
    apply(t, { event: "health", service: "db", container: "x-db-1", health: "healthy" }, 10_000);
    expect(db?.history.map((h) => h.phase)).toEqual(["waiting", "checked", "healthy"]);
  });

  it("keeps a failure and its message even when later events arrive", () => {
    const t = newTimeline("up", 0);
    apply(t, { event: "step_failed", step: { kind: "ready", service: "web" }, message: "exited with 1: ••••" }, 5);
    apply(t, { event: "health", service: "web", container: "c", health: "starting" }, 6);
    const web = t.rows[0];
    expect(web.phase).toBe("failed");
    expect(web.message).toBe("exited with 1: ••••");
  });

  it("a Stop shows services stopping then removed", () => {
    const t = newTimeline("down", 0);
    apply(t, { event: "step_started", step: { kind: "service", service: "web" } }, 1);
    apply(t, { event: "step_finished", step: { kind: "service", service: "web" }, outcome: "removed" }, 2);
    expect(t.rows[0].history.map((h) => h.phase)).toEqual(["stopping", "removed"]);
  });

  it("the operation's error lends its facts to the row it failed, and to no other", () => {
    const t = newTimeline("up", 0);
    const message = "port 127.0.0.1:8025 (service `mailhog`) is already in use by another program; stop that program or change the port in the compose file";
    apply(t, { event: "step_failed", step: { kind: "check_ports" }, message }, 1);
    apply(t, { event: "step_failed", step: { kind: "ready", service: "web" }, message: "exited with 1" }, 2);
    const reason = { kind: "port_taken", service: "mailhog", host_ip: "127.0.0.1", port: 8025 } as const;
    explain(t, { code: "internal", message, reason });
    expect(t.rows.find((r) => r.key === "ports")?.reason).toEqual(reason);
    expect(t.rows.find((r) => r.subject === "web")?.reason).toBeUndefined();
  });
});
