// Datasets: list, create, settings and delete (POST/GET/PUT/DELETE /datasets).

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fail, notify } from "../messages.js";
import { DATASET_CHUNK_METHODS, confirmAction, creator, field, pager, select, submitForm } from "../widgets.js";

const PAGE_SIZE = 30;

async function embeddingModels() {
  const [models, defaults] = await Promise.all([api.get("/models"), api.get("/tenant/models")]);
  return { ids: models.filter((model) => model.model_type === "embedding").map((model) => model.id), current: defaults.embd_id };
}

function createForm(models, done) {
  return submitForm(
    { class: "card grid", id: "create-dataset" },
    async (values) => {
      const created = await api.post("/datasets", {
        name: values.name,
        description: values.description || null,
        embedding_model: values.embedding_model,
        chunk_method: values.chunk_method,
        permission: values.permission,
      });
      done(created);
    },
    h("h2", {}, t("datasets.create")),
    field(t("datasets.name"), h("input", { name: "name", required: true, maxlength: 128 })),
    field(t("datasets.description"), h("input", { name: "description" })),
    field(t("datasets.embeddingModel"), select("embedding_model", models.ids, models.current)),
    field(t("datasets.chunkMethod"), select("chunk_method", DATASET_CHUNK_METHODS, "naive", (method) => t(`method.${method}`))),
    field(t("datasets.permission"), select("permission", ["me", "team"], "me", (value) => t(`permission.${value}`))),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("datasets.createButton"))),
  );
}

function settingsForm(dataset, models, done) {
  const config = dataset.parser_config || {};
  return submitForm(
    { class: "card grid settings" },
    async (values) => {
      const changes = {};
      for (const key of ["name", "description", "embedding_model", "chunk_method", "permission"]) {
        if ((values[key] || null) !== (dataset[key] || null)) changes[key] = values[key];
      }
      const parser = {};
      for (const key of ["chunk_token_num", "auto_keywords", "auto_questions"]) {
        if (values[key] !== "" && Number(values[key]) !== config[key]) parser[key] = Number(values[key]);
      }
      if (values.delimiter && values.delimiter !== config.delimiter) parser.delimiter = values.delimiter;
      if (values.html4excel !== Boolean(config.html4excel)) parser.html4excel = values.html4excel;
      if (values.use_raptor !== Boolean(config.raptor?.use_raptor)) parser.raptor = { use_raptor: values.use_raptor };
      if (values.use_graphrag !== Boolean(config.graphrag?.use_graphrag)) parser.graphrag = { use_graphrag: values.use_graphrag };
      if (Object.keys(parser).length) changes.parser_config = parser;
      if (!Object.keys(changes).length) {
        notify(t("common.nothingChanged"), "info");
        return;
      }
      await api.put(`/datasets/${dataset.id}`, changes);
      notify(t("common.saved"), "info");
      done();
    },
    h("h3", {}, t("datasets.settings")),
    field(t("datasets.name"), h("input", { name: "name", required: true, value: dataset.name })),
    field(t("datasets.description"), h("input", { name: "description", value: dataset.description || "" })),
    field(t("datasets.embeddingModel"), select("embedding_model", models.ids, dataset.embedding_model)),
    field(t("datasets.chunkMethod"), select("chunk_method", DATASET_CHUNK_METHODS, dataset.chunk_method, (method) => t(`method.${method}`))),
    field(t("datasets.permission"), select("permission", ["me", "team"], dataset.permission, (value) => t(`permission.${value}`))),
    field(t("datasets.chunkTokens"), h("input", { name: "chunk_token_num", type: "number", min: 1, max: 2048, value: config.chunk_token_num ?? "" })),
    field(t("datasets.delimiter"), h("input", { name: "delimiter", value: config.delimiter ?? "" })),
    field(t("datasets.autoKeywords"), h("input", { name: "auto_keywords", type: "number", min: 0, max: 32, value: config.auto_keywords ?? 0 })),
    field(t("datasets.autoQuestions"), h("input", { name: "auto_questions", type: "number", min: 0, max: 10, value: config.auto_questions ?? 0 })),
    h(
      "div",
      { class: "row" },
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "html4excel", ".checked": Boolean(config.html4excel) }), t("datasets.html4excel")),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "use_raptor", ".checked": Boolean(config.raptor?.use_raptor) }), t("datasets.raptor")),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "use_graphrag", ".checked": Boolean(config.graphrag?.use_graphrag) }), t("datasets.graphrag")),
    ),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("common.save"))),
  );
}

export async function render(main) {
  let page = 1;
  const models = await embeddingModels();
  const list = h("section", { id: "dataset-list" });
  const adder = creator(t("datasets.new"), createForm(models, (created) => (location.hash = `#/datasets/${created.id}`)));
  replace(main, h("div", { class: "heading" }, h("h1", {}, t("nav.datasets")), adder), list);

  async function load() {
    const envelope = await api.requestEnvelope("GET", "/datasets", { query: { page, page_size: PAGE_SIZE, orderby: "create_time", desc: true } });
    const datasets = envelope.data;
    if (!datasets.length && page === 1) {
      replace(list, h("p", { class: "empty" }, t("datasets.none")));
      adder.open = true;
      return;
    }
    const rows = datasets.map((dataset) => {
      const settingsRow = h("tr", { hidden: true }, h("td", { colspan: 6 }));
      const openSettings = () => {
        settingsRow.hidden = !settingsRow.hidden;
        replace(settingsRow.firstChild, settingsForm(dataset, models, () => load().catch(fail)));
      };
      const remove = async () => {
        if (!(await confirmAction(t("datasets.confirmDelete", { name: dataset.name })))) return;
        try {
          await api.del("/datasets", { ids: [dataset.id] });
          await load();
        } catch (error) {
          fail(error);
        }
      };
      return [
        h(
          "tr",
          { "data-dataset": dataset.id },
          h("td", {}, h("a", { href: `#/datasets/${dataset.id}`, class: "strong" }, dataset.name), dataset.description ? h("div", { class: "muted" }, dataset.description) : null),
          h("td", { class: "number" }, String(dataset.document_count)),
          h("td", { class: "number" }, String(dataset.chunk_count)),
          h("td", { class: "wide-only" }, dataset.embedding_model),
          h("td", { class: "wide-only" }, t(`method.${dataset.chunk_method}`)),
          h("td", { class: "actions" }, h("button", { onclick: openSettings }, t("datasets.settings")), h("button", { class: "danger", onclick: remove }, t("common.delete"))),
        ),
        settingsRow,
      ];
    });
    replace(
      list,
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h("tr", {}, h("th", {}, t("datasets.name")), h("th", {}, t("datasets.documents")), h("th", {}, t("datasets.chunks")), h("th", { class: "wide-only" }, t("datasets.embeddingModel")), h("th", { class: "wide-only" }, t("datasets.chunkMethod")), h("th", {})),
        ),
        h("tbody", {}, rows),
      ),
      pager(page, PAGE_SIZE, envelope.total_datasets, (next) => {
        page = next;
        load().catch(fail);
      }),
    );
  }
  await load();
}
