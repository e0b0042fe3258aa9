// The last minute of CPU and memory per container, for the service cards' sparklines: a fixed-size
// window per container, so a long-running app holds the same few numbers however long it watches.
import type { StatsSample } from "../bindings/StatsSample";

/** Samples kept per container (Docker sends about one a second). */
export const USAGE_WINDOW = 60;

export type Usage = { cpu: number[]; memory: number[]; memoryLimit: number };

export function addSample(usage: Record<string, Usage>, s: StatsSample): void {
  const u = (usage[s.container] ??= { cpu: [], memory: [], memoryLimit: 0 });
  u.cpu.push(s.cpu_percent);
  u.memory.push(s.memory_bytes);
  u.memoryLimit = s.memory_limit_bytes;
  if (u.cpu.length > USAGE_WINDOW) u.cpu.splice(0, u.cpu.length - USAGE_WINDOW);
  if (u.memory.length > USAGE_WINDOW) u.memory.splice(0, u.memory.length - USAGE_WINDOW);
}

/** SVG polyline points for `values` in a `width`×`height` box; the top is `max` (at least the peak). */
export function sparkPoints(values: number[], width: number, height: number, max = 0): string {
  if (values.length === 0) return "";
  const top = Math.max(max, ...values, Number.EPSILON);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - (Math.max(v, 0) / top) * height).toFixed(1)}`)
    .join(" ");
}

/** Bytes as people read memory: MiB under a GiB, GiB above (the unit picks the catalog message). */
export function memoryFigure(bytes: number): { value: string; unit: "mib" | "gib" } {
  const mib = bytes / 2 ** 20;
  return mib < 1024 ? { value: mib.toFixed(0), unit: "mib" } : { value: (mib / 1024).toFixed(1), unit: "gib" };
}
