// Settings: the models this tenant can use and its defaults, the remote models it configured
// for itself, and its API keys.

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fail, notify } from "../messages.js";
import { confirmAction, field, select, submitForm } from "../widgets.js";

export async function render(main) {
  const modelsSection = h("section", { class: "card", id: "models" });
  const providersSection = h("section", { class: "card", id: "providers" });
  const keysSection = h("section", { class: "card", id: "api-keys" });
  replace(main, h("h1", {}, t("nav.settings")), modelsSection, providersSection, keysSection);

  async function loadModels() {
    const [models, defaults] = await Promise.all([api.get("/models"), api.get("/tenant/models")]);
    const ofKind = (kind) => models.filter((model) => model.model_type === kind).map((model) => model.id);
    const form = submitForm(
      { class: "grid columns" },
      async (values) => {
        await api.put("/tenant/models", values);
        notify(t("common.saved"), "info");
      },
      field(t("settings.defaultChat"), select("llm_id", ofKind("chat"), defaults.llm_id)),
      field(t("settings.defaultEmbedding"), select("embd_id", ofKind("embedding"), defaults.embd_id)),
      field(t("settings.defaultRerank"), select("rerank_id", ["", ...ofKind("rerank")], defaults.rerank_id, (id) => id || t("retrieval.noRerank"))),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("common.save"))),
    );
    replace(
      modelsSection,
      h("h2", {}, t("settings.models")),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", {}, t("settings.model")), h("th", {}, t("settings.kind")), h("th", { class: "wide-only" }, t("settings.provider")), h("th", { class: "number wide-only" }, t("settings.maxTokens")))),
        h(
          "tbody",
          {},
          models.map((model) =>
            h("tr", {}, h("td", {}, model.id), h("td", {}, t(`kind.${model.model_type}`)), h("td", { class: "wide-only" }, model.builtin ? t("settings.builtin") : model.factory), h("td", { class: "number wide-only" }, String(model.max_tokens ?? ""))),
          ),
        ),
      ),
      h("h3", {}, t("settings.defaults")),
      form,
    );
  }

  async function loadProviders() {
    const providers = await api.get("/tenant/providers");
    const form = submitForm(
      { class: "grid columns" },
      async (values) => {
        const body = { name: values.name, factory: values.factory, kind: values.kind, base_url: values.base_url };
        if (values.api_key) body.api_key = values.api_key;
        if (values.dimension) body.dimension = Number(values.dimension);
        await api.post("/tenant/providers", body);
        await Promise.all([loadProviders(), loadModels()]);
      },
      field(t("settings.model"), h("input", { name: "name", required: true, placeholder: "gpt-4o-mini" })),
      field(t("settings.provider"), h("input", { name: "factory", required: true, value: "OpenAI-API-Compatible" })),
      field(t("settings.kind"), select("kind", ["chat", "embedding", "rerank"], "chat", (kind) => t(`kind.${kind}`))),
      field(t("settings.baseUrl"), h("input", { name: "base_url", required: true, placeholder: "http://127.0.0.1:11434/v1" })),
      field(t("settings.apiKey"), h("input", { name: "api_key", type: "password", autocomplete: "off" })),
      field(t("settings.dimension"), h("input", { name: "dimension", type: "number", min: 1 })),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("settings.addModel"))),
    );
    replace(
      providersSection,
      h("h2", {}, t("settings.providers")),
      providers.length
        ? h(
            "ul",
            { class: "plain" },
            providers.map((provider) =>
              h(
                "li",
                { class: "row" },
                h("span", { class: "strong" }, provider.model_id),
                h("span", { class: "muted" }, `${t(`kind.${provider.kind}`)} · ${provider.base_url}`),
                h(
                  "button",
                  {
                    class: "danger",
                    onclick: async () => {
                      if (!(await confirmAction(t("settings.confirmRemoveModel", { name: provider.name })))) return;
                      try {
                        await api.del(`/tenant/providers/${provider.id}`);
                        await Promise.all([loadProviders(), loadModels()]);
                      } catch (error) {
                        fail(error);
                      }
                    },
                  },
                  t("common.delete"),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("settings.noProviders")),
      h("h3", {}, t("settings.addModel")),
      form,
    );
  }

  async function loadKeys(fresh = null) {
    const keys = await api.get("/system/tokens");
    replace(
      keysSection,
      h("h2", {}, t("settings.keys")),
      fresh ? h("div", { class: "message info", role: "status" }, h("span", {}, t("settings.newKey")), h("code", { class: "secret" }, fresh)) : null,
      h(
        "ul",
        { class: "plain" },
        keys.map((key) =>
          h(
            "li",
            { class: "row" },
            h("code", {}, key.token),
            h("span", { class: "muted" }, key.create_date || ""),
            h(
              "button",
              {
                class: "danger",
                onclick: async () => {
                  if (!(await confirmAction(t("settings.confirmRevoke")))) return;
                  try {
                    await api.del(`/system/tokens/${encodeURIComponent(key.id)}`);
                    await loadKeys();
                  } catch (error) {
                    fail(error);
                  }
                },
              },
              t("settings.revoke"),
            ),
          ),
        ),
      ),
      h(
        "button",
        {
          class: "primary",
          onclick: async () => {
            try {
              const created = await api.post("/system/tokens", {});
              await loadKeys(created.token);
            } catch (error) {
              fail(error);
            }
          },
        },
        t("settings.createKey"),
      ),
    );
  }

  await Promise.all([loadModels(), loadProviders(), loadKeys()]);
}
