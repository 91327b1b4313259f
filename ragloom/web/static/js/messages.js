// Messages at the top of the page, and errors put into words.

import { ApiError, signOut } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

/** A readable sentence for an error: the API's own message, or what went wrong in words. */
export function describe(error) {
  if (error instanceof ApiError) {
    if (error.unauthorized) return t("error.unauthorized");
    if (error.status === 0) return t("error.network");
    return error.message;
  }
  return String(error && error.message ? error.message : error);
}

/** Show a message at the top of the page (kind "error" or "info") until dismissed or replaced. */
export function notify(message, kind = "error") {
  const area = document.getElementById("messages");
  if (!area) return;
  const note = h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, h("span", {}, message));
  note.append(h("button", { class: "link", "aria-label": t("common.dismiss"), onclick: () => note.remove() }, "×"));
  area.replaceChildren(note);
}

/** Report a failed call; a key the server no longer accepts signs the tab out. */
export function fail(error) {
  if (error instanceof ApiError && error.unauthorized) {
    signOut();
    window.dispatchEvent(new CustomEvent("ragloom:signed-out", { detail: describe(error) }));
    return;
  }
  notify(describe(error));
}
