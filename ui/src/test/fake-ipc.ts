// A stand-in for the Rust side, for component tests: the same shape as `ipc` (the type checker keeps it
// in step), answering with a small fixed project. `shownData` lists every value the UI may show as it
// is (names, paths, numbers, Rust's own messages), so a language test can tell data from strings the
// UI itself must take from its catalog.
import type {
  ipc as realIpc,
  ApiError,
  BackupFile,
  LogLine,
  Progress,
  ProjectView,
  SecretRow,
  StackView,
  Target,
  TaskView,
  Watch,
} from "../lib/ipc";
import type { AppInfo } from "../lib/bindings/AppInfo";
import type { WaitingFor } from "../lib/bindings/WaitingFor";
import type { ConflictLine } from "../lib/bindings/ConflictLine";
import type { ProjectQuestion } from "../lib/bindings/ProjectQuestion";
import type { StartPreview } from "../lib/bindings/StartPreview";
import type { ServerCheck } from "../lib/bindings/ServerCheck";
import type { EnvironmentDoctor } from "../lib/bindings/EnvironmentDoctor";
import type { WatchEvent } from "../lib/bindings/WatchEvent";

type Ipc = typeof realIpc;

export const fixtures = {
  info: {
    version: "0.1.0",
    docker: { state: "reachable", detail: "Docker 27.1.1 (API 1.46)" },
    // Rust's own sentence: not translated yet (see `rustMessages`).
    keychain: { state: "unreachable", reason: "no Secret Service is running" },
  } satisfies AppInfo,
  doctor: {
    ports: [
      { service: "web", host_ip: "127.0.0.1", port: 8000, free: true },
      { service: "db", host_ip: "127.0.0.1", port: 5432, free: false },
    ],
    images: [
      { service: "web", image: "shop/web:local", present: false, build: true },
      { service: "db", image: "postgres:16-alpine", present: true, build: false },
      { service: "mailhog", image: "mailhog/mailhog", present: false, build: false },
    ],
    secrets: [
      { name: "SECRET_KEY", state: "stored", generated: true, length: 64, bits: 384, weak: false, masked: "••••" },
      { name: "POSTGRES_PASSWORD", state: "missing", generated: true, length: 32, bits: 192, weak: false, masked: null },
      { name: "SMTP_PASSWORD", state: "to_enter", generated: false, length: null, bits: null, weak: false, masked: null },
    ],
    program: null,
    server: null as ServerCheck | null,
    // Added by `environmentDoctor`: its English sentence must not count as data shown as it is.
    conflicts: [] as ConflictLine[],
  } satisfies EnvironmentDoctor,
  project: {
    dir: "/home/ana/shop",
    name: "shop",
    label: "Shop API",
    description: "FastAPI + PostgreSQL",
    environments: [
      {
        id: "local",
        label: "Docker full",
        description: "postgres, web, mailhog",
        runs: "docker",
        services: ["db", "web", "mailhog"],
        engine: null,
        estimate: { memory_mb: 1536, startup_seconds: 12 },
        server_change: null,
      },
      {
        id: "sqlite",
        label: "SQLite local",
        description: null,
        runs: "host_process",
        services: ["web"],
        engine: null,
        estimate: { memory_mb: null, startup_seconds: 2 },
        server_change: null,
      },
      {
        id: "prod",
        label: "Production",
        description: null,
        runs: "docker",
        services: ["db", "web"],
        engine: "ssh://deploy@example.org",
        estimate: null,
        server_change: { environment: "prod", host: "example.org", exposure: "production", services: ["db", "web"] },
      },
    ],
    comparison: {
      environments: ["local", "sqlite", "prod"],
      rows: [
        { service: "db", present: [true, false, true] },
        { service: "web", present: [true, true, true] },
        { service: "mailhog", present: [true, false, false] },
      ],
    },
    running: ["local"],
  } as ProjectView,
  stack: {
    services: [
      {
        service: "db",
        id: "c1",
        container: "shop-local-db-1",
        number: 1,
        state: "running",
        health: "healthy",
        ports: [{ host_ip: "127.0.0.1", host_port: 5432, container_port: 5432, protocol: "tcp" }],
      },
      { service: "web", id: "c2", container: "shop-local-web-1", number: 1, state: "running", health: "starting", ports: [] },
      { service: "mailhog", id: "c3", container: "shop-local-mailhog-1", number: 1, state: "exited", health: "none", ports: [] },
    ],
    links: [
      { kind: "api_docs", label: "Swagger UI", service: "web", url: "http://127.0.0.1:8000/docs", enabled: false, through: null },
      { kind: "mail", label: "MailHog", service: "mailhog", url: "http://127.0.0.1:8025/", enabled: true, through: null },
      { kind: "manifest", label: "Admin", service: null, url: "http://127.0.0.1:8000/admin", enabled: true, through: null },
    ],
    watchable: ["web"],
  } as StackView,
  /** What the Watch switch hears, as Rust says it: the paths, a sync, a restart (then `watchFailed`). */
  watchEvents: [
    { event: "watching", service: "web", paths: ["/home/ana/shop/backend/src"] },
    { event: "synced", service: "web", copied: 2, removed: 1, millis: 85 },
    { event: "restarted", service: "web", millis: 1240 },
  ] as WatchEvent[],
  logs: [
    { service: "web", container: "shop-local-web-1", stream: "stdout", text: "Uvicorn running on http://0.0.0.0:8000" },
    { service: "web", container: "shop-local-web-1", stream: "stderr", text: "ERROR boom in /register" },
    { service: "db", container: "shop-local-db-1", stream: "stdout", text: "WARNING: no usable system locales" },
  ] as LogLine[],
  secrets: [
    { name: "SECRET_KEY", state: "stored", generated: true, length: 64, bits: 384, weak: false, masked: "••••••••" },
    { name: "POSTGRES_PASSWORD", state: "stored", generated: true, length: 32, bits: 120, weak: true, masked: "••••••••" },
    { name: "SMTP_PASSWORD", state: "to_enter", generated: false, length: null, bits: null, weak: false, masked: null },
    { name: "REDIS_PASSWORD", state: "missing", generated: true, length: 32, bits: 192, weak: false, masked: null },
  ] as SecretRow[],
  revealed: "s3cr3t-value-for-tests",
  envFile: "/home/dev/shop/.env.local",
  volumes: ["shop-local_pgdata"],
  tasks: [
    {
      id: "migrate",
      label: "Apply migrations",
      description: "Brings the schema up to date",
      service: "web",
      command: ["alembic", "upgrade", "1a2b"],
    },
    { id: "seed", label: "Create a test user", description: null, service: "db", command: ["sh", "-c", "./seed.sh 'ana@example.org'"] },
    { id: "mailtest", label: "Send a test email", description: null, service: "mailhog", command: ["mhsendmail", "ana@example.org"] },
    { id: "lint", label: "Lint the code", description: null, service: null, command: ["ruff", "check", "."] },
  ] as TaskView[],
  /** What a Task prints: the first line at once, the second once `control.release` resolves. */
  taskOutput: [
    { service: "web", container: "shop-local-web-1", stream: "stdout", text: "INFO [alembic] Running upgrade -> 1a2b" },
    { service: "web", container: "shop-local-web-1", stream: "stderr", text: "key ******** accepted" },
  ] as LogLine[],
  backups: [
    {
      name: "local-20261124T050203Z.sql.gz",
      path: "/home/ana/shop/backups/local/local-20261124T050203Z.sql.gz",
      bytes: 1536,
      modified: 1795496523,
    },
    { name: "before-upgrade.sql.gz", path: "/home/ana/shop/backups/local/before-upgrade.sql.gz", bytes: 3_145_728, modified: 1795400000 },
  ] as BackupFile[],
  /** What Rust asks about a folder an earlier EnvDeck knew by another name. */
  question: {
    path: "/home/ana/shop",
    choices: [{ handle: "legacy:shop-api", name: "shop-api" }],
  } satisfies ProjectQuestion,
  /** Where the save dialog's pick lands (the person accepted the default). */
  backupWritten: "/home/ana/shop/backups/local/local-20261124T060000Z.sql.gz",
};

/** Sentences Rust sends in English today (errors, doctor reasons): shown as they come. */
export const rustMessages = {
  startFailed: "service `mailhog` exited with code 1",
  startCancelled: "the start of local was cancelled: what it created so far is kept, and Start continues from there",
  projectQuestion:
    "/home/ana/shop is new to EnvDeck, and it may be the secrets and data an earlier EnvDeck kept under the name `shop-api` (before projects had ids).",
};

/** A backup whose database is not running, and a restore without the name typed, as Rust sends them:
 *  worded from their facts (kept out of `shownData`). */
export const backupFailed: ApiError = {
  code: "not_running",
  message: "the database service `db` is not running; start the environment first: envdeck up local",
  reason: { kind: "backup", trouble: { kind: "database_not_running", service: "db", env: "local" } },
};
const restoreRefused: ApiError = {
  code: "not_confirmed",
  message: "nothing was restored: type `local` exactly to confirm that its database is replaced",
  reason: { kind: "backup", trouble: { kind: "not_confirmed", env: "local" } },
};

/**
 * A failed Start as Rust sends a port conflict: the window words it from the reason's facts, so the
 * English sentence is kept out of the screens' data (`shownData`) and a Spanish screen showing it fails.
 */
const portTaken: ApiError = {
  code: "internal",
  message:
    "port 127.0.0.1:8025 (service `mailhog`) is already in use by another program; stop that program or change the port in the compose file",
  reason: { kind: "port_taken", service: "mailhog", host_ip: "127.0.0.1", port: 8025 },
};

/** A secret also set in the shell, as Rust sends it: the window words it from the facts (kept out of
 *  `shownData`, so the English sentence on a Spanish screen fails the catalog check). */
const secretElsewhere: ConflictLine = {
  message:
    "POSTGRES_PASSWORD is also set in your shell (the environment EnvDeck was started from), to another value: EnvDeck uses the keychain's. Remove it there, or put that value in the keychain with `envdeck secrets enter`",
  facts: { kind: "secret_elsewhere", variable: "POSTGRES_PASSWORD", source: { kind: "shell" } },
};

/** A watch's failed copy, as Rust sends it: worded from its facts (kept out of `shownData`). */
const watchFailed: WatchEvent = {
      event: "failed",
      service: "web",
      error: {
        code: "internal",
        message: "copying the changed files into service `web` failed: Could not find the file /app in container shop-local-web-1",
        reason: { kind: "step_failed", step: "sync", name: "`web`", detail: "Could not find the file /app in container shop-local-web-1" },
      },
    };

const upEvents: Progress[] = [
  { event: "step_started", step: { kind: "check_ports" } },
  { event: "step_finished", step: { kind: "check_ports" }, outcome: "unchanged" },
  { event: "pull", image: "postgres:16", layer: "a1", status: "Downloading", current: 1024, total: 4096 },
  { event: "step_started", step: { kind: "service", service: "db" } },
  { event: "step_finished", step: { kind: "service", service: "db" }, outcome: "created" },
  { event: "step_started", step: { kind: "ready", service: "db" } },
  { event: "health", service: "db", container: "shop-local-db-1", health: "healthy" },
  { event: "step_started", step: { kind: "ready", service: "mailhog" } },
  { event: "step_failed", step: { kind: "ready", service: "mailhog" }, message: rustMessages.startFailed },
];

/** What a test can steer: whether Start fails, when it finishes, what was asked. */
export const control = {
  /** Set while a Start waits on `release`: Cancel ends it the way Rust's aborted task does. */
  cancelRunningStart: null as (() => void) | null,
  startFails: false,
  /** Start waits for this before answering, so a test can look at the screen while it runs. */
  release: Promise.resolve() as Promise<void>,
  calls: [] as { command: string; args: unknown[] }[],
  /** What the native file picker answers (null: the person cancelled). */
  pickedFile: null as string | null,
  /** Lines the logs watch sends instead of the fixtures' few (a 100,000-line test). */
  logs: null as LogLine[] | null,
  /** The exit code a Task answers with. */
  taskCode: 0,
  /** What the save dialog answers: a path, or `null` for Cancel. */
  savePick: fixtures.backupWritten as string | null,
  /** Backup answers with Rust's "not running" error. */
  backupFails: false,
  /** Start first waits for another EnvDeck (Rust's `waiting` event), until `lockFreed` settles. */
  waitingFor: null as { message: string; facts?: WaitingFor } | null,
  lockFreed: Promise.resolve() as Promise<void>,
  /** Opening asks first (Rust's `project_identity`) until the question is answered. */
  question: null as ProjectQuestion | null,
  /** What a server's Start would do, as Rust's preview says it. */
  startPreview: {
    host: "example.org",
    services: [
      { service: "web", change: "replace" },
      { service: "old-worker", change: "remove" },
    ],
    images: [{ service: "web", image: "shop/web:2", present: false, build: true }],
  } as StartPreview,
};

function record(command: string, ...args: unknown[]) {
  control.calls.push({ command, args });
}

function watchOf(): Watch {
  return { stop: async () => undefined };
}

export const fakeIpc: Ipc = {
  appInfo: async () => fixtures.info,
  launchProject: async () => null,
  openSample: async () => (record("openSample"), fixtures.project.dir),
  openProject: async (dir) => {
    record("openProject", dir);
    if (control.question && !control.calls.some((c) => c.command === "answerProject")) {
      throw { code: "project_identity", message: rustMessages.projectQuestion };
    }
    return fixtures.project;
  },
  projectQuestion: async (dir) => (record("projectQuestion", dir), control.question),
  answerProject: async (dir, adopt) => void record("answerProject", dir, adopt),
  pickFolder: async () => null,
  pickFile: async () => control.pickedFile,
  start: async (t: Target, onProgress, typedName = null) => {
    record("start", t, typedName);
    if (control.waitingFor) {
      onProgress({ event: "waiting", ...control.waitingFor });
      await control.lockFreed;
    }
    for (const p of upEvents) onProgress(p);
    const cancelled = new Promise<"cancelled">((resolve) => (control.cancelRunningStart = () => resolve("cancelled")));
    const ended = await Promise.race([control.release.then(() => "released" as const), cancelled]);
    control.cancelRunningStart = null;
    if (ended === "cancelled") throw { code: "cancelled", message: rustMessages.startCancelled };
    if (control.startFails) {
      // As Rust does: the step the error stopped is failed with the same (masked) sentence.
      onProgress({ event: "step_failed", step: { kind: "check_ports" }, message: portTaken.message });
      throw portTaken;
    }
    return { plan: { project: "shop-local", steps: [], levels: [] }, services: [] };
  },
  cancelStart: async (t: Target) => {
    record("cancelStart", t);
    const running = control.cancelRunningStart;
    running?.();
    return running !== null;
  },
  stop: async (t: Target, onProgress, typedName = null) => {
    record("stop", t, typedName);
    onProgress({ event: "step_started", step: { kind: "service", service: "db" } });
    onProgress({ event: "step_finished", step: { kind: "service", service: "db" }, outcome: "removed" });
    return { containers: [], networks: [], volumes: [] };
  },
  stackView: async () => fixtures.stack,
  restartService: async (t, service) => {
    record("restartService", t, service);
    await control.release;
    return [`shop-local-${service}-1`];
  },
  watchEvents: async () => watchOf(),
  // Like a Channel: lines arrive after the watch has answered, never inside the call.
  watchLogs: async (_t, service, _follow, onLine) => {
    setTimeout(() => {
      for (const l of control.logs ?? fixtures.logs) if (service === null || l.service === service) onLine(l);
    }, 0);
    return watchOf();
  },
  // Like a Channel: the events come after the call has answered.
  watchFiles: async (t, onEvent) => {
    record("watchFiles", t);
    setTimeout(() => {
      for (const e of [...fixtures.watchEvents, watchFailed]) onEvent(e);
    }, 0);
    return { stop: async () => void record("unwatchFiles", t) };
  },
  watchStats: async (_t, onSample) => {
    setTimeout(() => {
      for (const [i, cpu] of [3, 12, 40, 25].entries())
        onSample({ service: "db", container: "shop-local-db-1", cpu_percent: cpu, memory_bytes: (60 + i) * 2 ** 20, memory_limit_bytes: 2 ** 33 });
    }, 0);
    return watchOf();
  },
  environmentDoctor: async () => ({ ...fixtures.doctor, conflicts: [secretElsewhere] }),
  secretRows: async () => fixtures.secrets,
  generateSecrets: async () => ({ generated: ["REDIS_PASSWORD"], already_stored: [], to_enter: [] }),
  revealSecret: async (_t, name) => ({ name, value: fixtures.revealed }),
  rotationPreview: async (_t, name) =>
    name === "POSTGRES_PASSWORD"
      ? [{ kind: "database_volume", name }, { kind: "database_url", name }, { kind: "old_exports" }]
      : [{ kind: "signed_tokens", name }, { kind: "old_exports" }],
  rotateSecret: async (t, name) => (record("rotateSecret", t, name), { name, bits: 256, consequences: [], changed_in: null }),
  enterSecret: async (t, name, value) => void record("enterSecret", t, name, value),
  importSecrets: async (t, file, overwrite) => (
    record("importSecrets", t, file, overwrite),
    { imported: ["SMTP_PASSWORD"], kept_existing: ["SECRET_KEY"], empty_in_file: [], weak: ["SMTP_PASSWORD"], ignored_keys: 3 }
  ),
  copySecret: async (t, name) => (record("copySecret", t, name), 30),
  wipePreview: async () => fixtures.volumes,
  startPreview: async (t) => (record("startPreview", t), control.startPreview),
  wipe: async () => ({ containers: [], networks: [], volumes: fixtures.volumes }),
  openLink: async () => undefined,
  taskList: async () => fixtures.tasks,
  // Like a Channel: the first line comes after the call has started, the rest once released.
  runTask: async (t, task, onLine) => {
    record("runTask", t, task);
    const [first, ...rest] = fixtures.taskOutput;
    await new Promise((r) => setTimeout(r, 0));
    onLine(first);
    await control.release;
    for (const l of rest) onLine(l);
    return control.taskCode;
  },
  backupList: async () => fixtures.backups,
  backupDefaultFile: async () => fixtures.backupWritten,
  backupNow: async (t, file) => {
    record("backupNow", t, file);
    if (control.backupFails) throw backupFailed;
    return file;
  },
  // As Rust does: a name typed wrong is refused before anything happens.
  restoreBackup: async (t, file, typedName) => {
    record("restoreBackup", t, file, typedName);
    if (typedName !== t.env) throw restoreRefused;
    await control.release;
  },
  pickSaveFile: async (title, defaultPath) => (record("pickSaveFile", title, defaultPath), control.savePick),
  pickBackupFile: async () => fixtures.backups[1].path,
};

const ENUM_KEYS = new Set(["state", "health", "kind", "runs", "event", "stream", "outcome", "code", "phase", "stored", "generated"]);

/** Every string and number the fixtures hold, except enum words the UI must translate (state, health…). */
export function shownData(): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key: string) => {
    if (ENUM_KEYS.has(key)) return;
    if (typeof v === "string" || typeof v === "number") out.add(String(v));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(fixtures, "");
  walk(rustMessages, "");
  walk(upEvents, "");
  return [...out].filter((s) => s.trim() !== "");
}
