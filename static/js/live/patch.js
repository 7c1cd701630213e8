/* A frame's patch applied to the snapshot a page holds: each key of the patch replaces
   that key of the snapshot, "a.b" naming the key b inside the key a (sessions/live/
   snapshots.py, vote_patches). The snapshot given is left as it was; the whole snapshot
   that follows every patch replaces the result. */
export function patched(snapshot, patch) {
  const next = { ...snapshot };
  for (const [path, value] of Object.entries(patch)) {
    const keys = path.split(".");
    const last = keys.pop();
    let at = next;
    for (const key of keys) {
      at[key] = { ...(at[key] || {}) };
      at = at[key];
    }
    at[last] = value;
  }
  return next;
}
