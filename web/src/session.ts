// The signed-in session: the access token (15 minutes) and the rotating refresh token, kept in storage so a
// reload or another tab stays signed in. Every authenticated call goes through `authed()`, which renews the
// access token shortly before it expires, or once after a 401, and then retries.
//
// The server spends a refresh token on use and treats a second use as theft (it revokes the whole family,
// signing the user out everywhere). So renewals are serialised across tabs (Web Locks) and, inside the lock,
// the stored session is read again: when another tab has renewed meanwhile, its tokens are used instead.
import { ApiError, request } from "./api";

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_at: number; // ms since the epoch
}

export interface SessionDeps {
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  fetch: typeof fetch;
  now: () => number;
  // Runs `fn` while holding the named lock across tabs (navigator.locks where the browser has it).
  withLock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

const KEY = "ik.session";
const RENEW_BEFORE_MS = 30_000;

export function browserDeps(): SessionDeps {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return {
    storage: localStorage,
    fetch: (...args) => fetch(...args),
    now: () => Date.now(),
    withLock: locks
      ? <T>(name: string, fn: () => Promise<T>) => locks.request(name, fn) as Promise<T>
      : <T>(_name: string, fn: () => Promise<T>) => fn(),
  };
}

interface LoginAnswer {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export class Session {
  private renewing: Promise<Tokens | null> | null = null;
  private readonly listeners = new Set<(signedIn: boolean) => void>();

  constructor(private readonly deps: SessionDeps) {}

  tokens(): Tokens | null {
    const raw = this.deps.storage.getItem(KEY);
    if (!raw) return null;
    try {
      const t = JSON.parse(raw) as Tokens;
      return typeof t.access_token === "string" && typeof t.refresh_token === "string" ? t : null;
    } catch {
      return null;
    }
  }

  signedIn(): boolean {
    return this.tokens() !== null;
  }

  onChange(listener: (signedIn: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Another tab signed in or out (or its renewal failed): tell this tab's listeners. Wired to the window's
  // `storage` event by browserSession().
  storageChanged(key: string | null): void {
    if (key !== null && key !== KEY) return;
    const now = this.signedIn();
    this.listeners.forEach((l) => l(now));
  }

  async signUp(username: string, password: string, email?: string, phone?: string): Promise<void> {
    const body: Record<string, string> = { username, password };
    if (email) body.email = email;
    if (phone) body.phone = phone;
    await request("/api/v1/auth/signup", { method: "POST", body: JSON.stringify(body) }, this.deps.fetch);
  }

  async logIn(username: string, password: string): Promise<void> {
    const answer = await request<LoginAnswer>(
      "/api/v1/auth/login",
      { method: "POST", body: JSON.stringify({ username, password }) },
      this.deps.fetch,
    );
    this.save(answer);
  }

  // Revokes the refresh-token family on the server (best effort: with an access token renewed first when the
  // stored one has expired, so the 30-day refresh token does not outlive the sign-out) and forgets the session.
  async logOut(): Promise<void> {
    let access: string | null = null;
    try {
      access = await this.accessToken();
    } catch {
      access = null; // offline: signed out here all the same
    }
    const t = this.tokens();
    this.clear();
    if (!t || !access) return;
    try {
      await request(
        "/api/v1/auth/logout",
        {
          method: "POST",
          headers: { Authorization: `Bearer ${access}` },
          body: JSON.stringify({ refresh_token: t.refresh_token }),
        },
        this.deps.fetch,
      );
    } catch {
      // signed out here either way
    }
  }

  // A usable access token (renewed when it is about to expire), or null when signed out: for the streams,
  // which authenticate with their first message.
  async accessToken(): Promise<string | null> {
    let t = this.tokens();
    if (t && t.expires_at - this.deps.now() < RENEW_BEFORE_MS) t = await this.renew(t);
    return t?.access_token ?? null;
  }

  // An authenticated call: renews first when the access token is about to expire, and once more after a 401.
  async authed<T>(path: string, init: RequestInit = {}): Promise<T> {
    let t = this.tokens();
    if (!t) throw new ApiError(401, 40110000, "not signed in");
    if (t.expires_at - this.deps.now() < RENEW_BEFORE_MS) t = await this.renew(t);
    if (!t) throw new ApiError(401, 40110000, "session expired; sign in again");
    try {
      return await this.call<T>(path, init, t);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      const renewed = await this.renew(t);
      if (!renewed) throw new ApiError(401, 40110000, "session expired; sign in again");
      return this.call<T>(path, init, renewed);
    }
  }

  private call<T>(path: string, init: RequestInit, t: Tokens): Promise<T> {
    return request<T>(path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${t.access_token}` } }, this.deps.fetch);
  }

  // One renewal at a time in this tab, and across tabs by the lock.
  private renew(stale: Tokens): Promise<Tokens | null> {
    if (!this.renewing) {
      this.renewing = this.deps
        .withLock("ik.session.renew", async () => {
          const current = this.tokens();
          if (!current) return null;
          // Another tab (or call) renewed already: use its tokens, never spend the old refresh token again.
          if (current.refresh_token !== stale.refresh_token) return current;
          try {
            const answer = await request<LoginAnswer>(
              "/api/v1/auth/refresh",
              { method: "POST", body: JSON.stringify({ refresh_token: current.refresh_token }) },
              this.deps.fetch,
            );
            return this.save(answer);
          } catch (e) {
            if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
              this.clear();
              return null;
            }
            throw e;
          }
        })
        .finally(() => {
          this.renewing = null;
        });
    }
    return this.renewing;
  }

  private save(answer: LoginAnswer): Tokens {
    const t: Tokens = {
      access_token: answer.access_token,
      refresh_token: answer.refresh_token,
      expires_at: this.deps.now() + answer.expires_in * 1000,
    };
    const was = this.signedIn();
    this.deps.storage.setItem(KEY, JSON.stringify(t));
    if (!was) this.listeners.forEach((l) => l(true));
    return t;
  }

  private clear(): void {
    const was = this.signedIn();
    this.deps.storage.removeItem(KEY);
    if (was) this.listeners.forEach((l) => l(false));
  }
}
