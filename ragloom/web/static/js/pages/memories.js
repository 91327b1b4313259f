// Memories: list, create (types, embedding and chat model), settings, delete; a memory's recent
// messages with their content, search, enable/disable and forget.

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fail, notify } from "../messages.js";
import { confirmAction, creator, field, itemHeading, pager, select, submitForm } from "../widgets.js";

const TYPES = ["raw", "semantic", "episodic", "procedural"];
const PAGE_SIZE = 50;
const RECENT = 50;

async function modelChoices() {
  const [models, defaults] = await Promise.all([api.get("/models"), api.get("/tenant/models")]);
  const ofKind = (kind) => models.filter((model) => model.model_type === kind).map((model) => model.id);
  return { chat: ofKind("chat"), embedding: ofKind("embedding"), defaults };
}

function typeBoxes(chosen) {
  return h(
    "fieldset",
    {},
    h("legend", {}, t("memories.types")),
    TYPES.map((type) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: `type:${type}`, ".checked": chosen.includes(type) }), t(`memories.type.${type}`))),
  );
}

function chosenTypes(values) {
  return TYPES.filter((type) => values[`type:${type}`]);
}

async function list(main) {
  const models = await modelChoices();
  const adder = creator(
    t("memories.new"),
    submitForm(
      { class: "card grid", id: "create-memory" },
      async (values) => {
        const created = await api.post("/memories", { name: values.name, memory_type: chosenTypes(values), embd_id: values.embd_id, llm_id: values.llm_id });
        location.hash = `#/memories/${created.id}`;
      },
      field(t("datasets.name"), h("input", { name: "name", required: true, maxlength: 128 })),
      typeBoxes(["raw"]),
      field(t("datasets.embeddingModel"), select("embd_id", models.embedding, models.defaults.embd_id)),
      field(t("chat.model"), select("llm_id", models.chat, models.defaults.llm_id)),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("chat.create"))),
    ),
  );
  const section = h("section", { id: "memory-list" });
  let page = 1;
  replace(main, h("div", { class: "heading" }, h("h1", {}, t("nav.memories")), adder), section);

  async function load() {
    const data = await api.get("/memories", { page, page_size: PAGE_SIZE });
    replace(
      section,
      data.memory_list.length
        ? h(
            "ul",
            { class: "plain" },
            data.memory_list.map((memory) =>
              h(
                "li",
                { class: "card", "data-memory": memory.id },
                h("a", { class: "strong", href: `#/memories/${memory.id}` }, memory.name),
                h("div", { class: "tags" }, memory.memory_type.map((type) => h("span", { class: "tag" }, t(`memories.type.${type}`)))),
                memory.description ? h("div", { class: "muted" }, memory.description) : null,
              ),
            ),
          )
        : h("p", { class: "empty" }, t("memories.none")),
      pager(page, PAGE_SIZE, data.total_count, (next) => {
        page = next;
        load().catch(fail);
      }),
    );
  }
  await load();
}

function messageItem(message, reload) {
  const id = `${message.memory_id}:${message.message_id}`;
  const toggle = h("input", {
    type: "checkbox",
    ".checked": message.status,
    "aria-label": t("chunks.available"),
    onchange: async (event) => {
      try {
        await api.put(`/messages/${id}`, { status: event.target.checked });
      } catch (error) {
        event.target.checked = !event.target.checked;
        fail(error);
      }
    },
  });
  const forget = async () => {
    if (!(await confirmAction(t("memories.confirmForget"), t("memories.forget")))) return;
    try {
      await api.del(`/messages/${id}`);
      await reload();
    } catch (error) {
      fail(error);
    }
  };
  return h(
    "li",
    { class: `card${message.forget_at ? " disabled" : ""}`, "data-message": id },
    h(
      "header",
      { class: "row" },
      h("span", { class: "tag" }, t(`memories.type.${message.message_type}`)),
      h("span", { class: "muted" }, [message.valid_at, message.session_id && `${t("chat.session")} ${message.session_id}`].filter(Boolean).join(" · ")),
      message.forget_at ? h("span", { class: "badge" }, t("memories.forgotten")) : null,
      h("label", { class: "inline" }, toggle, t("chunks.available")),
      message.forget_at ? null : h("button", { class: "danger", onclick: forget }, t("memories.forget")),
    ),
    h("div", { class: "chunk-content" }, message.content || ""),
  );
}

async function detail(main, memoryId) {
  const [memory, models] = await Promise.all([api.get(`/memories/${memoryId}/config`), modelChoices()]);
  const messages = h("ol", { class: "plain", id: "memory-messages" });
  const reload = async () => {
    replace(messages, (await api.get("/messages", { memory_id: memoryId, limit: RECENT })).map((message) => messageItem(message, reload)));
    if (!messages.childElementCount) replace(messages, h("li", { class: "empty" }, t("memories.noMessages")));
  };
  const search = submitForm(
    { class: "row", id: "memory-search" },
    async (values) => {
      if (!values.query.trim()) return reload();
      const found = await api.get("/messages/search", { query: values.query, memory_id: memoryId, top_n: 20 });
      replace(messages, found.length ? found.map((message) => messageItem(message, reload)) : h("li", { class: "empty" }, t("retrieval.nothing")));
      return null;
    },
    h("input", { type: "search", name: "query", placeholder: t("memories.search"), "aria-label": t("memories.search") }),
    h("button", { type: "submit" }, t("memories.searchButton")),
  );
  const settings = submitForm(
    { class: "card grid", id: "memory-settings" },
    async (values) => {
      await api.put(`/memories/${memoryId}`, {
        name: values.name,
        description: values.description,
        memory_type: chosenTypes(values),
        llm_id: values.llm_id,
        temperature: Number(values.temperature),
        system_prompt: values.system_prompt,
      });
      notify(t("common.saved"), "info");
    },
    field(t("datasets.name"), h("input", { name: "name", required: true, value: memory.name })),
    field(t("datasets.description"), h("input", { name: "description", value: memory.description || "" })),
    typeBoxes(memory.memory_type),
    field(t("datasets.embeddingModel"), h("input", { value: memory.embd_id, disabled: true })),
    field(t("chat.model"), select("llm_id", models.chat, memory.llm_id)),
    field(t("chat.temperature"), h("input", { name: "temperature", type: "number", min: 0, max: 1, step: 0.1, value: memory.temperature })),
    field(t("chat.system"), h("textarea", { name: "system_prompt", rows: 4 }, memory.system_prompt || "")),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("common.save"))),
  );
  replace(
    main,
    itemHeading(t("nav.memories"), "#/memories", memory.name, t("memories.confirmDelete", { name: memory.name }), () => api.del(`/memories/${memoryId}`, {})),
    h("div", { class: "split wide" }, h("section", {}, h("h2", {}, t("memories.messages")), search, messages), settings),
  );
  await reload();
}

export async function render(main, [memoryId]) {
  if (memoryId) await detail(main, memoryId);
  else await list(main);
}
