// Catálogo en español: las mismas claves que en.ts.
import type { MessageKey } from "./en";

export const es: Record<MessageKey, string> = {
  "app.title": "EnvDeck",
  "app.tagline": "Los entornos de tu proyecto, a un clic",
  "doctor.title": "Antes de empezar",
  "doctor.checking": "Comprobando…",
  "doctor.recheck": "Comprobar de nuevo",
  "doctor.docker": "Motor de Docker",
  "doctor.keychain": "Llavero del sistema",
  "doctor.ok": "Correcto",
  "doctor.problem": "Requiere atención",
  "footer.version": "Versión {version}",
  "lang.label": "Idioma",
};
