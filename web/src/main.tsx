import { render } from "preact";

import { App } from "./app";
import { browserDeps, Session } from "./session";
import "./style.css";

const session = new Session(browserDeps());
addEventListener("storage", (e) => session.storageChanged(e.key)); // other tabs signing in or out
render(<App session={session} />, document.getElementById("app")!);
