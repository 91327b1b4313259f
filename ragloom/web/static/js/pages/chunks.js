// Chunks of one document: browse and search, edit content / keywords / questions, enable or
// disable, add, delete; a PDF chunk shows its page with the chunk outlined.
// #/datasets/<ds>/documents/<doc>?chunk=<id> opens one chunk (a citation's link lands here).

import * as api from "../api.js";
import { h, highlighted, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fail, notify } from "../messages.js";
import { pagePictures } from "../page_picture.js";
import { confirmAction, creator, field, pager, submitForm } from "../widgets.js";

const PAGE_SIZE = 20;

function words(text) {
  return text.split(",").map((word) => word.trim()).filter(Boolean);
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

/** "p. 1, 2" from positions [[page, x0, x1, top, bottom], …]. */
function pages(positions) {
  const numbers = [...new Set((positions || []).map((position) => position[0]).filter((page) => page > 0))];
  return numbers.length ? t("chunks.pages", { pages: numbers.join(", ") }) : "";
}

/** Whether the document is a PDF, whose pages can be shown as pictures. */
function isPdf(doc) {
  return doc?.type === "pdf" || /\.pdf$/i.test(doc?.name || "");
}

export async function render(main, [datasetId, documentId], query) {
  const base = `/datasets/${datasetId}/documents/${documentId}/chunks`;
  const state = { page: 1, keywords: "", available: "" };
  const focusId = query.get("chunk");
  const list = h("section", { id: "chunk-list" });
  const focused = h("section", { id: "focused-chunk" });
  const title = h("span", {});
  const heading = h("h1", {});

  const editor = (chunk, done) => {
    const content = h("textarea", { name: "content", rows: 6, required: true }, chunk.content_plain ?? chunk.content);
    const keywords = h("input", { name: "important_keywords", value: (chunk.important_keywords || []).join(", ") });
    const questions = h("textarea", { name: "questions", rows: 2 }, (chunk.questions || []).join("\n"));
    return submitForm(
      { class: "grid chunk-editor" },
      async (values) => {
        const body = { content: content.value, important_keywords: words(keywords.value), questions: lines(questions.value) };
        if (chunk.id) await api.patch(`${base}/${chunk.id}`, body);
        else await api.post(base, body);
        notify(t("common.saved"), "info");
        done();
      },
      field(t("chunks.content"), content),
      field(t("chunks.keywords"), keywords, t("chunks.keywordsHint")),
      field(t("chunks.questions"), questions, t("chunks.questionsHint")),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, chunk.id ? t("common.save") : t("chunks.add"))),
    );
  };

  const card = (chunk, { open = false, pdf = false } = {}) => {
    const text = h("div", { class: "chunk-content" }, state.keywords ? highlighted(chunk.content) : chunk.content);
    const pictures = pdf ? pagePictures(datasetId, documentId, chunk.positions) : null;
    const body = pictures ? h("div", { class: "chunk-body" }, text, pictures) : text;
    const panel = h("div", { class: "chunk-edit", hidden: !open });
    if (open) panel.append(editor(chunk, refresh));
    const toggle = h("input", {
      type: "checkbox",
      class: "available",
      ".checked": chunk.available !== false,
      "aria-label": t("chunks.available"),
      onchange: async (event) => {
        try {
          await api.patch(`${base}/${chunk.id}`, { available: event.target.checked });
          element.classList.toggle("disabled", !event.target.checked);
        } catch (error) {
          event.target.checked = !event.target.checked;
          fail(error);
        }
      },
    });
    const element = h(
      "article",
      { class: `card chunk${chunk.available === false ? " disabled" : ""}${open ? " focused" : ""}`, "data-chunk": chunk.id },
      h(
        "header",
        { class: "row" },
        h("code", { class: "muted" }, chunk.id),
        h("span", { class: "muted" }, pages(chunk.positions)),
        h("label", { class: "inline" }, toggle, t("chunks.available")),
        h(
          "button",
          {
            class: "edit",
            onclick: () => {
              panel.hidden = !panel.hidden;
              replace(panel, panel.hidden ? "" : editor({ ...chunk, content_plain: chunk.content.replace(/<\/?em>/g, "") }, refresh));
            },
          },
          t("common.edit"),
        ),
        h(
          "button",
          {
            class: "danger",
            onclick: async () => {
              if (!(await confirmAction(t("chunks.confirmDelete")))) return;
              try {
                await api.del(base, { chunk_ids: [chunk.id] });
                await refresh();
              } catch (error) {
                fail(error);
              }
            },
          },
          t("common.delete"),
        ),
      ),
      body,
      chunk.important_keywords?.length ? h("div", { class: "tags" }, chunk.important_keywords.map((word) => h("span", { class: "tag" }, word))) : null,
      chunk.questions?.length ? h("ul", { class: "questions" }, chunk.questions.map((question) => h("li", {}, question))) : null,
      panel,
    );
    return element;
  };

  async function loadFocused() {
    if (!focusId) return;
    const data = await api.get(base, { id: focusId });
    const [chunk] = data.chunks;
    const pdf = isPdf(data.doc);
    replace(focused, h("h2", {}, t("chunks.cited")), chunk ? card(chunk, { open: true, pdf }) : h("p", {}, t("chunks.missing")));
    focused.scrollIntoView({ block: "start" });
  }

  async function load() {
    const data = await api.get(base, { page: state.page, page_size: PAGE_SIZE, keywords: state.keywords, available: state.available });
    replace(title, data.doc?.name || documentId);
    replace(heading, data.doc?.name || documentId);
    replace(
      list,
      data.chunks.length ? data.chunks.map((chunk) => card(chunk, { pdf: isPdf(data.doc) })) : h("p", { class: "empty" }, t("chunks.none")),
      pager(state.page, PAGE_SIZE, data.total, (page) => {
        state.page = page;
        load().catch(fail);
      }),
    );
    list.dataset.total = String(data.total);
  }

  async function refresh() {
    await Promise.all([load(), loadFocused()]).catch(fail);
  }

  const search = h("input", { type: "search", placeholder: t("chunks.search"), "aria-label": t("chunks.search") });
  search.addEventListener("change", () => {
    state.keywords = search.value.trim();
    state.page = 1;
    load().catch(fail);
  });
  const availability = h(
    "select",
    {
      "aria-label": t("chunks.available"),
      onchange: (event) => {
        state.available = event.target.value;
        state.page = 1;
        load().catch(fail);
      },
    },
    h("option", { value: "" }, t("chunks.all")),
    h("option", { value: "true" }, t("chunks.enabled")),
    h("option", { value: "false" }, t("chunks.disabled")),
  );
  const adder = creator(t("chunks.new"), h("div", { class: "card" }, editor({ content: "", important_keywords: [], questions: [] }, refresh)), "button");

  replace(
    main,
    h("nav", { class: "crumbs" }, h("a", { href: "#/datasets" }, t("nav.datasets")), " › ", h("a", { href: `#/datasets/${datasetId}` }, t("chunks.documents")), " › ", title),
    h("div", { class: "heading" }, heading, adder),
    focused,
    h("div", { class: "row filters" }, search, availability),
    list,
  );
  await Promise.all([load(), loadFocused()]);
}
