// Pieces several pages share: a confirmation dialog, a pager, a run-state badge, selects.

import { formValues, h } from "./dom.js";
import { t } from "./i18n.js";
import { fail } from "./messages.js";

export const DATASET_CHUNK_METHODS = ["naive", "book", "email", "laws", "manual", "one", "paper", "picture", "presentation", "qa", "table", "tag", "resume"];
export const DOCUMENT_CHUNK_METHODS = ["naive", "manual", "qa", "table", "paper", "book", "laws", "presentation", "picture", "one", "knowledge_graph", "email", "tag"];
export const RUN_STATES = ["UNSTART", "RUNNING", "CANCEL", "DONE", "FAIL"];

/** Ask before something that cannot be undone; resolves true when confirmed. */
export function confirmAction(message, confirmLabel = t("common.delete")) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm" },
      h("p", {}, message),
      h(
        "form",
        { method: "dialog", class: "row" },
        h("button", { value: "cancel", type: "submit" }, t("common.cancel")),
        h("button", { value: "confirm", type: "submit", class: "danger" }, confirmLabel),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "confirm");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** "Page 2 of 334 · 10000 items" with previous/next buttons calling go(page). */
export function pager(page, pageSize, total, go) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return h(
    "div",
    { class: "pager" },
    h("button", { disabled: page <= 1, onclick: () => go(page - 1) }, t("common.previous")),
    h("span", {}, t("common.pageOf", { page, pages, total })),
    h("button", { disabled: page >= pages, onclick: () => go(page + 1) }, t("common.next")),
  );
}

/** A badge for a document's run state (UNSTART, RUNNING, CANCEL, DONE, FAIL). */
export function runBadge(run) {
  return h("span", { class: `badge run-${String(run || "UNSTART").toLowerCase()}`, "data-run": run }, t(`run.${run || "UNSTART"}`));
}

/** A <select> of values with the current one selected; labels from labelOf(value). */
export function select(name, values, current, labelOf = (value) => value, attributes = {}) {
  return h(
    "select",
    { name, ...attributes },
    values.map((value) => h("option", { value, ".selected": value === current }, labelOf(value))),
  );
}

/** A labelled form field. */
export function field(label, control, hint = "") {
  return h("label", { class: "field" }, h("span", {}, label), control, hint ? h("small", {}, hint) : null);
}

/**
 * A form that, when submitted, calls onValues(values, form) with its named fields (formValues);
 * a failure of that call is reported as a message, not thrown.
 */
export function submitForm(attributes, onValues, ...children) {
  const form = h("form", attributes, ...children);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await onValues(formValues(form), form);
    } catch (error) {
      fail(error);
    }
  });
  return form;
}

/**
 * The breadcrumb and heading of one item's page (an agent, a memory) with a Delete button that
 * asks first, then awaits remove() and goes back to the list.
 */
export function itemHeading(listLabel, listHref, title, confirmMessage, remove) {
  const onclick = async () => {
    if (!(await confirmAction(confirmMessage))) return;
    try {
      await remove();
      location.hash = listHref;
    } catch (error) {
      fail(error);
    }
  };
  return [
    h("nav", { class: "crumbs" }, h("a", { href: listHref }, listLabel), " › ", h("span", {}, title)),
    h("div", { class: "heading" }, h("h1", {}, title), h("button", { class: "danger", onclick }, t("common.delete"))),
  ];
}

/** A "New …" button that folds open the form creating one. */
export function creator(label, form, buttonClass = "button primary") {
  return h("details", { class: "creator" }, h("summary", { class: buttonClass }, label), form);
}
