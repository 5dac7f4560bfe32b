// Sign-in and sign-up forms. Input is checked here first (in the user's language); whatever the server
// refuses is shown as the server said it.
import { useState } from "preact/hooks";

import { errorText } from "./api";
import { t, type Lang } from "./i18n";

export interface AuthActions {
  logIn(username: string, password: string): Promise<void>;
  signUp(username: string, password: string, email?: string, phone?: string): Promise<void>;
}

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

export function checkCredentials(lang: Lang, username: string, password: string): string | null {
  if (!username.trim() || !password) return t(lang, "required");
  if (!USERNAME.test(username.trim())) return t(lang, "usernameRule");
  if ([...password].length < 8) return t(lang, "passwordRule"); // characters, as the message says (the server counts bytes)
  return null;
}

export function AuthForm({ lang, mode, actions, onDone, onSwitch }: {
  lang: Lang;
  mode: "signin" | "signup";
  actions: AuthActions;
  onDone: () => void;
  onSwitch: () => void;
}) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = checkCredentials(lang, username, password);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      if (mode === "signup") await actions.signUp(username.trim(), password, email.trim() || undefined, phone.trim() || undefined);
      await actions.logIn(username.trim(), password);
      onDone();
    } catch (err) {
      setError(errorText(lang, err));
    } finally {
      setBusy(false);
    }
  };

  const title = t(lang, mode === "signin" ? "signIn" : "signUp");
  return (
    <form class="auth" onSubmit={submit} noValidate aria-label={title}>
      <h2>{title}</h2>
      <label>
        {t(lang, "username")}
        <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label>
        {t(lang, "password")}
        <input
          name="password"
          type="password"
          autocomplete={mode === "signin" ? "current-password" : "new-password"}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      {mode === "signup" && (
        <>
          <label>
            {t(lang, "email")}
            <input name="email" type="email" autocomplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <label>
            {t(lang, "phone")}
            <input name="phone" type="tel" autocomplete="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
          </label>
        </>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {title}
      </button>
      <p>
        {t(lang, mode === "signin" ? "noAccount" : "haveAccount")}{" "}
        <a href={mode === "signin" ? "/signup" : "/login"} onClick={(e) => (e.preventDefault(), onSwitch())}>
          {t(lang, mode === "signin" ? "signUp" : "signIn")}
        </a>
      </p>
    </form>
  );
}
