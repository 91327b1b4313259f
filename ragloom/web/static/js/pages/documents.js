// Documents of one dataset: drag-and-drop upload with per-file progress, parse / stop /
// re-parse with live run state, progress and log, download, rename, chunk method and its parser
// settings, metadata, delete; paged and filtered on the server, so 10,000 documents cost one page
// of rows.

import * as api from "../api.js";
import { bytes, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fail, notify } from "../messages.js";
import { parserSection, tagDatasets } from "../parser_form.js";
import { DOCUMENT_CHUNK_METHODS, RUN_STATES, confirmAction, field, pager, runBadge, select, submitForm } from "../widgets.js";

const PAGE_SIZE = 30;
const POLL_MS = 1000;
const PARALLEL_UPLOADS = 3;

function lastLine(text) {
  const lines = String(text || "").trim().split("\n");
  return lines[lines.length - 1] || "";
}

function editForm(datasetId, doc, tags, done) {
  const section = parserSection(doc.parser_config || {}, doc.chunk_method, { tagDatasets: tags });
  return submitForm(
    { class: "card grid" },
    async (values) => {
      const changes = {};
      if (values.name !== doc.name) changes.name = values.name;
      if (values.chunk_method !== doc.chunk_method) changes.chunk_method = values.chunk_method;
      let meta;
      try {
        meta = values.meta_fields.trim() ? JSON.parse(values.meta_fields) : {};
      } catch (error) {
        notify(t("documents.badMetadata", { error: error.message }));
        return;
      }
      if (JSON.stringify(meta) !== JSON.stringify(doc.meta_fields || {})) changes.meta_fields = meta;
      // a document stores its parser_config as sent: every shown setting goes, so it holds what the form shows
      if (changes.chunk_method || Object.keys(section.config({ changedOnly: true })).length) changes.parser_config = section.config();
      if (!Object.keys(changes).length) {
        notify(t("common.nothingChanged"), "info");
        return;
      }
      try {
        await api.patch(`/datasets/${datasetId}/documents/${doc.id}`, changes);
      } catch (error) {
        throw section.explain(error);
      }
      notify(t("common.saved"), "info");
      done();
    },
    field(t("documents.name"), h("input", { name: "name", required: true, value: doc.name })),
    field(
      t("datasets.chunkMethod"),
      select("chunk_method", DOCUMENT_CHUNK_METHODS, doc.chunk_method, (method) => t(`method.${method}`), { onchange: (event) => section.show(event.target.value) }),
    ),
    h("details", { class: "parser-settings" }, h("summary", {}, t("datasets.parserSettings")), section.element),
    field(t("documents.metadata"), h("textarea", { name: "meta_fields", rows: 4, spellcheck: "false" }, JSON.stringify(doc.meta_fields || {}, null, 2)), t("documents.metadataHint")),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("common.save"))),
  );
}

export async function render(main, [datasetId]) {
  const [dataset] = (await api.requestEnvelope("GET", "/datasets", { query: { id: datasetId } })).data;
  const state = { page: 1, keywords: "", run: "", suffix: "" };
  const selected = new Set();
  const rows = new Map(); // document id → function(doc) that refreshes its row in place
  let timer = null;
  let gone = false;

  const uploads = h("ul", { class: "uploads", id: "uploads" });
  const parseAfter = h("input", { type: "checkbox", name: "parse_after", ".checked": true });
  const fileInput = h("input", { type: "file", multiple: true, id: "file-input", class: "visually-hidden", onchange: () => uploadFiles([...fileInput.files]) });
  const dropZone = h(
    "div",
    { class: "drop-zone", id: "drop-zone", tabindex: 0, role: "button", onclick: () => fileInput.click(), onkeydown: (event) => (event.key === "Enter" || event.key === " ") && fileInput.click() },
    h("strong", {}, t("documents.drop")),
    h("span", { class: "muted" }, t("documents.dropHint")),
  );
  dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    dropZone.classList.add("over");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropZone.classList.remove("over");
    uploadFiles([...event.dataTransfer.files]);
  });

  const keywords = h("input", { type: "search", name: "keywords", placeholder: t("documents.search"), "aria-label": t("documents.search") });
  let typing = null;
  keywords.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.keywords = keywords.value.trim();
      state.page = 1;
      load().catch(fail);
    }, 250);
  });
  const runFilter = select("run", ["", ...RUN_STATES], "", (run) => (run ? t(`run.${run}`) : t("documents.anyState")), {
    "aria-label": t("documents.state"),
    onchange: (event) => {
      state.run = event.target.value;
      state.page = 1;
      load().catch(fail);
    },
  });
  const suffixFilter = h("input", {
    name: "suffix",
    placeholder: t("documents.suffix"),
    "aria-label": t("documents.suffix"),
    size: 6,
    onchange: (event) => {
      state.suffix = event.target.value.trim().replace(/^\./, "").toLowerCase();
      state.page = 1;
      load().catch(fail);
    },
  });
  const bulk = h(
    "div",
    { class: "row bulk" },
    h("button", { onclick: () => act("parse", [...selected]) }, t("documents.parseSelected")),
    h("button", { onclick: () => act("stop", [...selected]) }, t("documents.stopSelected")),
    h("button", { class: "danger", onclick: () => removeDocuments([...selected]) }, t("documents.deleteSelected")),
  );
  const list = h("section", { id: "document-list" });

  replace(
    main,
    h("nav", { class: "crumbs" }, h("a", { href: "#/datasets" }, t("nav.datasets")), " › ", h("span", {}, dataset.name)),
    h("div", { class: "heading" }, h("h1", {}, dataset.name), h("a", { class: "button", href: `#/retrieval?dataset=${dataset.id}` }, t("nav.retrieval"))),
    h("section", { class: "card" }, dropZone, fileInput, h("label", { class: "inline" }, parseAfter, t("documents.parseAfter")), uploads),
    h("div", { class: "row filters" }, keywords, runFilter, suffixFilter, bulk),
    list,
  );

  async function uploadFiles(files) {
    if (!files.length) return;
    const queue = files.map((file) => {
      const bar = h("progress", { max: 1, value: 0 });
      const status = h("span", { class: "status" }, t("documents.waiting"));
      const item = h("li", { "data-file": file.name }, h("span", { class: "name" }, file.name), h("span", { class: "muted" }, bytes(file.size)), bar, status);
      uploads.append(item);
      return { file, bar, status, item };
    });
    const created = [];
    const next = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        replace(entry.status, t("documents.uploading"));
        try {
          const documents = await api.upload(datasetId, entry.file, (fraction) => (entry.bar.value = fraction));
          entry.bar.value = 1;
          replace(entry.status, t("documents.uploaded"));
          entry.item.classList.add("done");
          created.push(...documents.map((doc) => doc.id));
        } catch (error) {
          replace(entry.status, error.message);
          entry.item.classList.add("failed");
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, next));
    fileInput.value = "";
    if (created.length && parseAfter.checked) await act("parse", created);
    else await load().catch(fail);
  }

  async function act(action, ids) {
    if (!ids.length) return;
    try {
      if (action === "parse") await api.post(`/datasets/${datasetId}/chunks`, { document_ids: ids });
      else await api.del(`/datasets/${datasetId}/chunks`, { document_ids: ids });
    } catch (error) {
      fail(error);
    }
    await load().catch(fail);
  }

  async function removeDocuments(ids) {
    if (!ids.length) return;
    if (!(await confirmAction(t("documents.confirmDelete", { count: ids.length })))) return;
    try {
      await api.del(`/datasets/${datasetId}/documents`, { ids });
      ids.forEach((id) => selected.delete(id));
    } catch (error) {
      fail(error);
    }
    await load().catch(fail);
  }

  function row(doc) {
    const badge = h("span", {});
    const bar = h("progress", { max: 1 });
    const message = h("div", { class: "progress-message" });
    const log = h("pre", { class: "log" });
    const chunkCount = h("td", { class: "number" });
    const nameCell = h("td", {});
    const actions = h("td", { class: "actions" });
    const editRow = h("tr", { hidden: true, class: "edit-row" }, h("td", { colspan: 5 }));
    const check = h("input", {
      type: "checkbox",
      "aria-label": doc.name,
      ".checked": selected.has(doc.id),
      onchange: (event) => (event.target.checked ? selected.add(doc.id) : selected.delete(doc.id)),
    });
    const tr = h(
      "tr",
      { "data-document": doc.id },
      h("td", {}, check),
      nameCell,
      h("td", { class: "state" }, badge, bar, message, h("details", { class: "log-details" }, h("summary", {}, t("documents.log")), log)),
      chunkCount,
      actions,
    );
    let current = doc;
    const update = (fresh) => {
      current = fresh;
      tr.dataset.run = fresh.run;
      replace(
        nameCell,
        h("a", { href: `#/datasets/${datasetId}/documents/${fresh.id}`, class: "strong doc-name" }, fresh.name),
        h("div", { class: "muted" }, `${bytes(fresh.size)} · ${t(`method.${fresh.chunk_method}`)}`),
      );
      replace(badge, runBadge(fresh.run));
      bar.hidden = fresh.run !== "RUNNING";
      bar.value = Math.max(0, fresh.progress || 0);
      const line = lastLine(fresh.progress_msg);
      replace(message, fresh.run === "FAIL" || fresh.run === "RUNNING" ? line : "");
      message.classList.toggle("error-text", fresh.run === "FAIL");
      replace(log, fresh.progress_msg || "");
      replace(chunkCount, String(fresh.chunk_count ?? 0));
      const parseLabel = fresh.run === "UNSTART" ? t("documents.parse") : t("documents.reparse");
      replace(
        actions,
        fresh.run === "RUNNING"
          ? h("button", { onclick: () => act("stop", [fresh.id]) }, t("documents.stop"))
          : h("button", { class: "parse", onclick: () => act("parse", [fresh.id]) }, parseLabel),
        h("button", { onclick: () => api.download(datasetId, fresh.id, fresh.name).catch(fail) }, t("documents.download")),
        h(
          "button",
          {
            onclick: async () => {
              editRow.hidden = !editRow.hidden;
              if (editRow.hidden) return;
              const tags = await tagDatasets(datasetId).catch(() => []);
              replace(editRow.firstChild, editForm(datasetId, current, tags, () => {
                editRow.hidden = true;
                load().catch(fail);
              }));
            },
          },
          t("common.edit"),
        ),
        h("button", { class: "danger", onclick: () => removeDocuments([fresh.id]) }, t("common.delete")),
      );
    };
    update(doc);
    rows.set(doc.id, update);
    return [tr, editRow];
  }

  async function load() {
    clearTimeout(timer);
    const data = await api.get(`/datasets/${datasetId}/documents`, {
      page: state.page,
      page_size: PAGE_SIZE,
      orderby: "create_time",
      desc: true,
      keywords: state.keywords,
      run: state.run,
      suffix: state.suffix,
    });
    if (gone) return;
    const sameRows = data.docs.length === rows.size && data.docs.every((doc) => rows.has(doc.id));
    if (sameRows) {
      data.docs.forEach((doc) => rows.get(doc.id)(doc));
    } else {
      rows.clear();
      replace(
        list,
        data.docs.length
          ? h(
              "table",
              { class: "documents" },
              h(
                "thead",
                {},
                h("tr", {}, h("th", {}), h("th", {}, t("documents.name")), h("th", {}, t("documents.state")), h("th", {}, t("datasets.chunks")), h("th", {})),
              ),
              h("tbody", {}, data.docs.map(row)),
            )
          : h("p", { class: "empty" }, state.keywords || state.run || state.suffix ? t("documents.noMatch") : t("documents.none")),
        pager(state.page, PAGE_SIZE, data.total, (page) => {
          state.page = page;
          load().catch(fail);
        }),
      );
    }
    list.dataset.total = String(data.total);
    if (data.docs.some((doc) => doc.run === "RUNNING")) timer = setTimeout(() => load().catch(fail), POLL_MS);
  }

  await load();
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}
