import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it, vi } from "vitest";

import { ApiError } from "./api";
import { AuthForm, checkCredentials, type AuthActions } from "./auth";

async function fill(root: HTMLElement, name: string, value: string) {
  const input = root.querySelector(`input[name=${name}]`) as HTMLInputElement;
  await act(async () => {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

async function submit(root: HTMLElement) {
  await act(async () => {
    root.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  });
}

describe("auth forms", () => {
  it("checks input before asking the server, in the user's language", () => {
    expect(checkCredentials("ko", "", "")).toBe("입력해 주세요");
    expect(checkCredentials("en", "ab", "password1")).toBe("Usernames are 3–32 letters, digits, _ - or .");
    expect(checkCredentials("en", "alice", "short")).toBe("Passwords have at least 8 characters");
    expect(checkCredentials("en", "alice", "long enough")).toBeNull();
  });

  it("stops empty input, shows the server's refusal, and signs up then in", async () => {
    const actions: AuthActions = {
      logIn: vi.fn(async () => undefined),
      signUp: vi.fn(async (username: string) => {
        if (username === "taken") throw new ApiError(409, 40910000, "username taken");
      }),
    };
    const done = vi.fn();
    const root = document.createElement("div");
    await act(async () => {
      render(<AuthForm lang="en" mode="signup" actions={actions} onDone={done} onSwitch={() => undefined} />, root);
    });
    expect(root.querySelector("label")!.textContent).toContain("Username");

    await submit(root);
    expect(root.querySelector("[role=alert]")!.textContent).toBe("Please fill this in");
    expect(actions.signUp).not.toHaveBeenCalled();

    await fill(root, "username", "taken");
    await fill(root, "password", "correct horse 1");
    await submit(root);
    expect(root.querySelector("[role=alert]")!.textContent).toBe("username taken");
    expect(done).not.toHaveBeenCalled();

    await fill(root, "username", "alice");
    await fill(root, "email", "alice@example.com");
    await submit(root);
    expect(actions.signUp).toHaveBeenLastCalledWith("alice", "correct horse 1", "alice@example.com", undefined);
    expect(actions.logIn).toHaveBeenCalledWith("alice", "correct horse 1");
    expect(done).toHaveBeenCalledOnce();
    expect(root.querySelector("[role=alert]")).toBeNull();
  });
});
