// Datasets: list, create, settings and delete (POST/GET/PUT/DELETE /datasets); the parser settings
// of the chosen chunk method (parser_form.js).

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fail, notify } from "../messages.js";
import { parserSection, tagDatasets } from "../parser_form.js";
import { DATASET_CHUNK_METHODS, confirmAction, creator, field, pager, select, submitForm } from "../widgets.js";

const PAGE_SIZE = 30;

async function embeddingModels() {
  const [models, defaults] = await Promise.all([api.get("/models"), api.get("/tenant/models")]);
  return { ids: models.filter((model) => model.model_type === "embedding").map((model) => model.id), current: defaults.embd_id };
}

/** The chunk method select, switching the parser fields below it to that method's. */
function methodSelect(current, section) {
  return select("chunk_method", DATASET_CHUNK_METHODS, current, (method) => t(`method.${method}`), {
    onchange: (event) => section.show(event.target.value),
  });
}

function createForm(models, tags, done) {
  const section = parserSection({}, "naive", { tagDatasets: tags });
  return submitForm(
    { class: "card grid", id: "create-dataset" },
    async (values) => {
      // every shown setting is sent, so the new dataset holds what the form showed
      const parser = section.config();
      try {
        const created = await api.post("/datasets", {
          name: values.name,
          description: values.description || null,
          embedding_model: values.embedding_model,
          chunk_method: values.chunk_method,
          permission: values.permission,
          parser_config: parser,
        });
        done(created);
      } catch (error) {
        throw section.explain(error);
      }
    },
    h("h2", {}, t("datasets.create")),
    field(t("datasets.name"), h("input", { name: "name", required: true, maxlength: 128 })),
    field(t("datasets.description"), h("input", { name: "description" })),
    field(t("datasets.embeddingModel"), select("embedding_model", models.ids, models.current)),
    field(t("datasets.chunkMethod"), methodSelect("naive", section)),
    field(t("datasets.permission"), select("permission", ["me", "team"], "me", (value) => t(`permission.${value}`))),
    h("details", { class: "parser-settings" }, h("summary", {}, t("datasets.parserSettings")), section.element),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("datasets.createButton"))),
  );
}

function settingsForm(dataset, models, tags, done) {
  const section = parserSection(dataset.parser_config || {}, dataset.chunk_method, { tagDatasets: tags.filter((tag) => tag.id !== dataset.id) });
  return submitForm(
    { class: "card grid settings" },
    async (values) => {
      const changes = {};
      for (const key of ["name", "description", "embedding_model", "chunk_method", "permission"]) {
        if ((values[key] || null) !== (dataset[key] || null)) changes[key] = values[key];
      }
      // only what changed: the server merges it into the stored config
      const parser = section.config({ changedOnly: true });
      if (Object.keys(parser).length) changes.parser_config = parser;
      if (!Object.keys(changes).length) {
        notify(t("common.nothingChanged"), "info");
        return;
      }
      try {
        await api.put(`/datasets/${dataset.id}`, changes);
      } catch (error) {
        throw section.explain(error);
      }
      notify(t("common.saved"), "info");
      done();
    },
    h("h3", {}, t("datasets.settings")),
    field(t("datasets.name"), h("input", { name: "name", required: true, value: dataset.name })),
    field(t("datasets.description"), h("input", { name: "description", value: dataset.description || "" })),
    field(t("datasets.embeddingModel"), select("embedding_model", models.ids, dataset.embedding_model)),
    field(t("datasets.chunkMethod"), methodSelect(dataset.chunk_method, section), t("datasets.chunkMethodHint")),
    field(t("datasets.permission"), select("permission", ["me", "team"], dataset.permission, (value) => t(`permission.${value}`))),
    section.element,
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("common.save"))),
  );
}

export async function render(main) {
  let page = 1;
  const [models, tags] = await Promise.all([embeddingModels(), tagDatasets()]);
  const list = h("section", { id: "dataset-list" });
  const adder = creator(t("datasets.new"), createForm(models, tags, (created) => (location.hash = `#/datasets/${created.id}`)));
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
        replace(settingsRow.firstChild, settingsForm(dataset, models, tags, () => load().catch(fail)));
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
