// The shell: sign-in, the header with its navigation and language switch, messages, and the
// hash router that gives each page the main area (#/datasets, #/datasets/<id>, …).

import { apiKey, requestEnvelope, signIn, signOut } from "./api.js";
import { h, replace } from "./dom.js";
import { LANGUAGES, currentLanguage, loadLanguage, t } from "./i18n.js";
import { describe, fail } from "./messages.js";
import * as agents from "./pages/agents.js";
import * as chat from "./pages/chat.js";
import * as chunks from "./pages/chunks.js";
import * as datasets from "./pages/datasets.js";
import * as documents from "./pages/documents.js";
import * as memories from "./pages/memories.js";
import * as retrieval from "./pages/retrieval.js";
import * as settings from "./pages/settings.js";

const ROUTES = [
  { pattern: /^\/datasets$/, page: datasets, nav: "datasets" },
  { pattern: /^\/datasets\/([^/]+)$/, page: documents, nav: "datasets" },
  { pattern: /^\/datasets\/([^/]+)\/documents\/([^/]+)$/, page: chunks, nav: "datasets" },
  { pattern: /^\/retrieval$/, page: retrieval, nav: "retrieval" },
  { pattern: /^\/chats$/, page: chat, nav: "chats" },
  { pattern: /^\/chats\/([^/]+)$/, page: chat, nav: "chats" },
  { pattern: /^\/agents$/, page: agents, nav: "agents" },
  { pattern: /^\/agents\/([^/]+)$/, page: agents, nav: "agents" },
  { pattern: /^\/memories$/, page: memories, nav: "memories" },
  { pattern: /^\/memories\/([^/]+)$/, page: memories, nav: "memories" },
  { pattern: /^\/settings$/, page: settings, nav: "settings" },
];
const NAVIGATION = [
  ["datasets", "#/datasets"],
  ["retrieval", "#/retrieval"],
  ["chats", "#/chats"],
  ["agents", "#/agents"],
  ["memories", "#/memories"],
  ["settings", "#/settings"],
];

const root = document.getElementById("app");
let cleanup = null;

function languageSwitch() {
  return h(
    "select",
    {
      class: "language",
      "aria-label": t("common.language"),
      onchange: async (event) => {
        await loadLanguage(event.target.value);
        start();
      },
    },
    Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, ".selected": code === currentLanguage() }, name)),
  );
}

function showSignIn(problem = "") {
  if (cleanup) cleanup();
  cleanup = null;
  const field = h("input", { name: "key", type: "password", required: true, autocomplete: "off", placeholder: "ragflow-…", id: "api-key" });
  const error = h("p", { class: "error-text", role: "alert" }, problem);
  const form = h(
    "form",
    {
      class: "card sign-in",
      onsubmit: async (event) => {
        event.preventDefault();
        signIn(field.value.trim());
        try {
          await requestEnvelope("GET", "/datasets", { query: { page: 1, page_size: 1 } });
          if (!location.hash || location.hash === "#/") location.hash = "#/datasets";
          start();
        } catch (failure) {
          signOut();
          replace(error, describe(failure));
        }
      },
    },
    h("h1", {}, "ragloom"),
    h("p", {}, t("signin.intro")),
    h("label", { for: "api-key" }, t("signin.key")),
    field,
    error,
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("signin.submit")), languageSwitch()),
    h("p", { class: "hint" }, t("signin.hint")),
  );
  replace(root, h("main", { class: "centered" }, form));
  root.setAttribute("aria-busy", "false");
  field.focus();
}

function shell(active) {
  return h(
    "header",
    { class: "top" },
    h("a", { class: "brand", href: "#/datasets" }, "ragloom"),
    h(
      "nav",
      {},
      NAVIGATION.map(([name, href]) => h("a", { href, class: name === active ? "active" : null, "aria-current": name === active ? "page" : null }, t(`nav.${name}`))),
    ),
    h(
      "div",
      { class: "tools" },
      languageSwitch(),
      h(
        "button",
        {
          class: "link",
          id: "sign-out",
          onclick: () => {
            signOut();
            location.hash = "";
            showSignIn();
          },
        },
        t("nav.signout"),
      ),
    ),
  );
}

async function route() {
  if (!apiKey()) {
    showSignIn();
    return;
  }
  const [routePath, queryText = ""] = location.hash.replace(/^#/, "").split("?");
  const target = routePath || "/datasets";
  const match = ROUTES.map((candidate) => [candidate, target.match(candidate.pattern)]).find(([, found]) => found);
  if (cleanup) cleanup();
  cleanup = null;
  const main = h("main", { id: "page" });
  replace(root, shell(match ? match[0].nav : ""), h("div", { id: "messages", "aria-live": "polite" }), main);
  if (!match) {
    replace(main, h("p", {}, t("error.nopage")));
    return;
  }
  const [found, groups] = match;
  root.setAttribute("aria-busy", "true");
  try {
    cleanup = (await found.page.render(main, groups.slice(1).map(decodeURIComponent), new URLSearchParams(queryText))) || null;
  } catch (error) {
    fail(error);
  } finally {
    root.setAttribute("aria-busy", "false");
  }
}

function start() {
  route();
}

window.addEventListener("hashchange", route);
window.addEventListener("ragloom:signed-out", (event) => showSignIn(event.detail));
loadLanguage().then(start);
