// Retrieval test: a question against chosen datasets with every parameter of POST /retrieval;
// ranked chunks with their similarity, term similarity, vector similarity and highlighted terms.

import * as api from "../api.js";
import { h, highlighted, replace, score } from "../dom.js";
import { t } from "../i18n.js";
import { fail, notify } from "../messages.js";
import { field, submitForm } from "../widgets.js";

function list(text) {
  return text.split(",").map((item) => item.trim()).filter(Boolean);
}

export async function render(main, _params, query) {
  const [datasets, models] = await Promise.all([api.get("/datasets", { page: 1, page_size: 100 }), api.get("/models")]);
  const preselected = query.get("dataset");
  const rerankers = models.filter((model) => model.model_type === "rerank").map((model) => model.id);
  const results = h("section", { id: "retrieval-results" });
  const choices = h(
    "fieldset",
    { class: "datasets" },
    h("legend", {}, t("retrieval.datasets")),
    datasets.length
      ? datasets.map((dataset) =>
          h("label", { class: "inline" }, h("input", { type: "checkbox", name: `dataset:${dataset.id}`, ".checked": dataset.id === preselected || datasets.length === 1 }), dataset.name),
        )
      : h("p", { class: "empty" }, t("datasets.none")),
  );
  const form = submitForm(
    { class: "card grid", id: "retrieval-form" },
    async (values) => {
      const datasetIds = Object.keys(values).filter((key) => key.startsWith("dataset:") && values[key]).map((key) => key.slice(8));
      if (!datasetIds.length) {
        notify(t("retrieval.chooseDataset"));
        return;
      }
      let metadataCondition = null;
      if (values.metadata_condition.trim()) {
        try {
          metadataCondition = JSON.parse(values.metadata_condition);
        } catch (error) {
          notify(t("retrieval.badCondition", { error: error.message }));
          return;
        }
      }
      const body = {
        question: values.question,
        dataset_ids: datasetIds,
        document_ids: list(values.document_ids),
        page: 1,
        page_size: Number(values.page_size),
        similarity_threshold: Number(values.similarity_threshold),
        vector_similarity_weight: Number(values.vector_similarity_weight),
        top_k: Number(values.top_k),
        rerank_id: values.rerank_id || null,
        keyword: values.keyword,
        highlight: values.highlight,
        use_kg: values.use_kg,
        toc_enhance: values.toc_enhance,
        cross_languages: list(values.cross_languages),
        metadata_condition: metadataCondition,
      };
      replace(results, h("p", { class: "muted" }, t("common.loading")));
      const started = performance.now();
      try {
        show(await api.post("/retrieval", body), performance.now() - started);
      } catch (error) {
        replace(results);
        fail(error);
      }
    },
    field(t("retrieval.question"), h("textarea", { name: "question", rows: 2, required: true })),
    choices,
    h(
      "div",
      { class: "columns" },
      field(t("retrieval.threshold"), h("input", { name: "similarity_threshold", type: "number", min: 0, max: 1, step: 0.01, value: 0.2 })),
      field(t("retrieval.weight"), h("input", { name: "vector_similarity_weight", type: "number", min: 0, max: 1, step: 0.01, value: 0.3 }), t("retrieval.weightHint")),
      field(t("retrieval.topK"), h("input", { name: "top_k", type: "number", min: 1, value: 1024 })),
      field(t("retrieval.pageSize"), h("input", { name: "page_size", type: "number", min: 1, max: 100, value: 10 })),
      field(t("retrieval.rerank"), h("select", { name: "rerank_id" }, h("option", { value: "" }, t("retrieval.noRerank")), rerankers.map((id) => h("option", { value: id }, id)))),
      field(t("retrieval.crossLanguages"), h("input", { name: "cross_languages", placeholder: "English, Chinese" })),
    ),
    h(
      "div",
      { class: "row" },
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "highlight", ".checked": true }), t("retrieval.highlight")),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "keyword" }), t("retrieval.keyword")),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "use_kg" }), t("retrieval.useKg")),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "toc_enhance" }), t("retrieval.toc")),
    ),
    h(
      "details",
      {},
      h("summary", {}, t("retrieval.more")),
      field(t("retrieval.documentIds"), h("input", { name: "document_ids" })),
      field(t("retrieval.metadataCondition"), h("textarea", { name: "metadata_condition", rows: 3, spellcheck: "false", placeholder: '{"logic": "and", "conditions": [{"name": "author", "comparison_operator": "is", "value": "bob"}]}' })),
    ),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("retrieval.run"))),
  );

  function show(data, elapsed) {
    const chunks = data.chunks || [];
    replace(
      results,
      h("p", { class: "muted", id: "retrieval-summary" }, t("retrieval.summary", { total: data.total ?? 0, ms: Math.round(elapsed) })),
      chunks.length
        ? h(
            "ol",
            { class: "hits" },
            chunks.map((chunk) =>
              h(
                "li",
                { class: "card hit", "data-chunk": chunk.id },
                h(
                  "div",
                  { class: "scores" },
                  h("span", { class: "score", title: t("retrieval.similarity") }, `${t("retrieval.similarity")} ${score(chunk.similarity)}`),
                  h("span", { class: "score" }, `${t("retrieval.termSimilarity")} ${score(chunk.term_similarity)}`),
                  h("span", { class: "score" }, `${t("retrieval.vectorSimilarity")} ${score(chunk.vector_similarity)}`),
                ),
                h("div", { class: "chunk-content" }, chunk.highlight ? highlighted(chunk.highlight) : chunk.content),
                h("a", { href: `#/datasets/${chunk.dataset_id}/documents/${chunk.document_id}?chunk=${chunk.id}` }, chunk.document_keyword || chunk.document_id),
              ),
            ),
          )
        : h("p", { class: "empty" }, t("retrieval.nothing")),
    );
  }

  replace(main, h("h1", {}, t("nav.retrieval")), form, results);
}
