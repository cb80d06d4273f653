/** The dashboard's entry: takes a token from the address, then renders the app. */
import { render } from "preact";
import { adoptTokenFromHash } from "./api";
import { App } from "./app";
import "./styles.css";

adoptTokenFromHash();
render(<App />, document.getElementById("app") as HTMLElement);
