import { render } from "preact";

import { App } from "./app";
import { browserDeps, Session } from "./session";
import "./style.css";

render(<App session={new Session(browserDeps())} />, document.getElementById("app")!);
