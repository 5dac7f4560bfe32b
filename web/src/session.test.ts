import { describe, expect, it } from "vitest";

import { ApiError } from "./api";
import { Session, type SessionDeps } from "./session";

// A fake of the server's auth: access tokens valid 900 s, refresh tokens spent on use, and a reused refresh
// token revoking its whole family (as the real server does).
class FakeAuthServer {
  now = 1_000_000;
  refreshCalls = 0;
  private seq = 0;
  private readonly access = new Map<string, number>(); // token -> expiry (ms)
  private readonly refresh = new Map<string, { family: number; spent: boolean }>();
  private readonly revoked = new Set<number>();

  fetch: typeof fetch = async (input, init) => {
    const path = String(input);
    const body = init?.body ? JSON.parse(String(init.body)) : {};
    const auth = new Headers(init?.headers).get("Authorization") ?? "";
    const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status });
    if (path === "/api/v1/auth/login") {
      if (body.password !== "correct horse 1") return json(401, { code: 40110000, message: "wrong username or password" });
      return json(200, this.issue(++this.seq));
    }
    if (path === "/api/v1/auth/refresh") {
      this.refreshCalls++;
      const r = this.refresh.get(body.refresh_token);
      if (!r || this.revoked.has(r.family)) return json(401, { code: 40110000, message: "refresh token is not valid" });
      if (r.spent) {
        this.revoked.add(r.family);
        return json(401, { code: 40110000, message: "refresh token was already used; log in again" });
      }
      r.spent = true;
      return json(200, this.issue(r.family));
    }
    if (path === "/api/v1/auth/logout") {
      const expiry = this.access.get(auth.replace("Bearer ", ""));
      if (expiry === undefined || expiry <= this.now) return json(401, { code: 40110000, message: "token expired" });
      const r = this.refresh.get(body.refresh_token);
      if (r) this.revoked.add(r.family);
      return new Response(null, { status: 204 });
    }
    const token = auth.replace("Bearer ", "");
    const expiry = this.access.get(token);
    if (expiry === undefined || expiry <= this.now) return json(401, { code: 40110000, message: "token expired" });
    return json(200, { path, token });
  };

  private issue(family: number) {
    const access = `a${++this.seq}`;
    const refresh = `r${this.seq}`;
    this.access.set(access, this.now + 900_000);
    this.refresh.set(refresh, { family, spent: false });
    return { access_token: access, refresh_token: refresh, token_type: "Bearer", expires_in: 900 };
  }
}

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
}

// A lock shared by "tabs": one holder at a time, in order.
function sharedLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(_name: string, fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

function deps(server: FakeAuthServer, storage = memoryStorage(), withLock = sharedLock()): SessionDeps {
  return { storage, fetch: server.fetch, now: () => server.now, withLock };
}

describe("Session", () => {
  it("signs in, calls with the bearer token and signs out", async () => {
    const server = new FakeAuthServer();
    const s = new Session(deps(server));
    const changes: boolean[] = [];
    s.onChange((v) => changes.push(v));
    await expect(s.logIn("alice", "wrong")).rejects.toMatchObject({ status: 401, message: "wrong username or password" });
    expect(s.signedIn()).toBe(false);
    await s.logIn("alice", "correct horse 1");
    const answer = await s.authed<{ token: string }>("/api/v1/me");
    expect(answer.token).toBe(s.tokens()!.access_token);
    await s.logOut();
    expect(s.signedIn()).toBe(false);
    expect(changes).toEqual([true, false]);
    await expect(s.authed("/api/v1/me")).rejects.toBeInstanceOf(ApiError);
  });

  it("signs out on the server even after the access token expired, and follows other tabs", async () => {
    const server = new FakeAuthServer();
    const storage = memoryStorage();
    const s = new Session({ ...deps(server), storage });
    await s.logIn("alice", "correct horse 1");
    const refresh = s.tokens()!.refresh_token;
    server.now += 3_600_000; // an hour idle: the access token is long expired
    await s.logOut();
    expect(server.refreshCalls).toBe(1); // renewed to be allowed to sign out
    const reuse = await server.fetch("/api/v1/auth/refresh", { method: "POST", body: JSON.stringify({ refresh_token: refresh }) });
    expect(reuse.status).toBe(401); // the family is revoked: the old refresh token is worthless

    const other = new Session({ ...deps(server), storage }); // a second tab on the same storage
    const seen: boolean[] = [];
    other.onChange((v) => seen.push(v));
    await s.logIn("alice", "correct horse 1");
    other.storageChanged("ik.session");
    other.storageChanged("lang"); // not the session: ignored
    expect(seen).toEqual([true]);
  });

  it("renews before expiry and after a 401, spending each refresh token once", async () => {
    const server = new FakeAuthServer();
    const s = new Session(deps(server));
    await s.logIn("alice", "correct horse 1");
    const first = s.tokens()!;
    server.now += 880_000; // 20 s left: renewed before the call
    await s.authed("/api/v1/me");
    const second = s.tokens()!;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(server.refreshCalls).toBe(1);
    // The server says 401 although the client thinks the token is fresh (its clock is behind): renew once.
    server.now += 1_000_000;
    const tokens = s.tokens()!;
    s["deps"].storage.setItem("ik.session", JSON.stringify({ ...tokens, expires_at: server.now + 600_000 }));
    await s.authed("/api/v1/me");
    expect(server.refreshCalls).toBe(2);
    expect(s.signedIn()).toBe(true);
  });

  it("makes one renewal for many calls and for two tabs, so the family is never revoked", async () => {
    const server = new FakeAuthServer();
    const storage = memoryStorage();
    const lock = sharedLock();
    const tabA = new Session(deps(server, storage, lock));
    const tabB = new Session(deps(server, storage, lock));
    await tabA.logIn("alice", "correct horse 1");
    server.now += 899_000;
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(tabA.authed("/v2/account"), tabB.authed("/v2/orders"));
    await Promise.all(calls);
    expect(server.refreshCalls).toBe(1);
    expect(tabA.signedIn() && tabB.signedIn()).toBe(true);
    await tabB.authed("/v2/account");
  });

  it("signs out when the refresh token is refused", async () => {
    const server = new FakeAuthServer();
    const storage = memoryStorage();
    const s = new Session(deps(server, storage));
    await s.logIn("alice", "correct horse 1");
    const stolen = s.tokens()!.refresh_token;
    // Someone else spends the refresh token first: ours is now a reuse, and the family is revoked.
    await server.fetch("/api/v1/auth/refresh", { method: "POST", body: JSON.stringify({ refresh_token: stolen }) });
    const changes: boolean[] = [];
    s.onChange((v) => changes.push(v));
    server.now += 900_000;
    await expect(s.authed("/api/v1/me")).rejects.toMatchObject({ status: 401 });
    expect(s.signedIn()).toBe(false);
    expect(changes).toEqual([false]);
  });
});
