// English catalog: the source of every string the UI shows. es.ts must have the same keys.
export const en = {
  "app.title": "EnvDeck",
  "app.tagline": "Your project's environments, one click away",
  "doctor.title": "Before you start",
  "doctor.checking": "Checking…",
  "doctor.recheck": "Check again",
  "doctor.docker": "Docker engine",
  "doctor.keychain": "OS keychain",
  "doctor.ok": "OK",
  "doctor.problem": "Needs attention",
  "footer.version": "Version {version}",
  "lang.label": "Language",
};

export type MessageKey = keyof typeof en;
