// A countdown in whole seconds for what the UI shows and then takes away: a revealed secret (hidden
// after 10 s) and the "copied" note (the clipboard is cleared after 30 s, by Rust; this only counts).
/** Calls `onTick` with the seconds left (starting with `seconds`), then `onDone` once; returns a cancel. */
export function countdown(seconds: number, onTick: (left: number) => void, onDone: () => void): () => void {
  let left = seconds;
  onTick(left);
  const id = setInterval(() => {
    left -= 1;
    if (left > 0) return onTick(left);
    clearInterval(id);
    onDone();
  }, 1000);
  return () => clearInterval(id);
}
