// The collector's HTTP token (its http.tokenFile), when it has one: asked for once, kept in this
// tab's sessionStorage (gone when the tab closes), sent with every /api/* request.
const KEY = "shadowdiff.token";
const listeners = new Set<() => void>();
let wanted = false;

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Keeps the token for this tab, then reloads the page so that every view asks again with it. */
export function keepToken(token: string): void {
  sessionStorage.setItem(KEY, token);
  location.reload();
}

/** The collector refused the request: a token is needed, or the one kept is not the collector's. */
export function tokenRefused(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Storage unavailable: nothing kept to forget.
  }
  if (wanted) return;
  wanted = true;
  for (const listener of listeners) listener();
}

export function tokenWanted(): boolean {
  return wanted;
}

export function onTokenWanted(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
