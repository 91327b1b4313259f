// Chat: assistants (create, edit, delete), their sessions, and a conversation whose answers
// stream in (POST /chats/<id>/completions with stream=true), reasoning collapsed, and [ID:n]
// citations as links to the cited chunk.

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { describe, fail, notify } from "../messages.js";
import { confirmAction, field, select, submitForm } from "../widgets.js";

const CITATION = /\[ID:(\d+)\]/g;

/** An answer's text with each [ID:n] that names a reference chunk as a link to that chunk. */
export function withCitations(answer, chunks) {
  const nodes = [];
  let last = 0;
  for (const match of String(answer).matchAll(CITATION)) {
    const chunk = (chunks || [])[Number(match[1])];
    if (!chunk) continue;
    nodes.push(answer.slice(last, match.index));
    nodes.push(
      h(
        "a",
        {
          class: "citation",
          href: `#/datasets/${chunk.dataset_id}/documents/${chunk.document_id}?chunk=${chunk.id}`,
          title: chunk.document_name || chunk.document_keyword || "",
          "data-chunk": chunk.id,
        },
        `[${Number(match[1]) + 1}]`,
      ),
    );
    last = match.index + match[0].length;
  }
  nodes.push(answer.slice(last));
  return nodes;
}

function sources(reference) {
  const documents = reference?.doc_aggs;
  if (!Array.isArray(documents) || !documents.length) return null;
  return h("div", { class: "sources muted" }, `${t("chat.sources")}: `, documents.map((doc) => h("span", { class: "tag" }, doc.doc_name)));
}

/** One message bubble; an assistant's answer carries its reference and its reasoning (collapsed). */
function bubble(role, content, reference = null, reasoning = "") {
  return h(
    "div",
    { class: `bubble ${role}` },
    reasoning ? h("details", { class: "reasoning" }, h("summary", {}, t("chat.reasoning")), h("div", {}, reasoning)) : null,
    h("div", { class: "answer" }, role === "assistant" ? withCitations(content, reference?.chunks) : content),
    role === "assistant" ? sources(reference) : null,
  );
}

function assistantForm(chat, datasets, models, defaults, done) {
  const chatModels = models.filter((model) => model.model_type === "chat").map((model) => model.id);
  const prompt = chat?.prompt_config || {};
  const setting = chat?.llm_setting || {};
  return submitForm(
    { class: "card grid", id: "assistant-form" },
    async (values) => {
      const datasetIds = Object.keys(values).filter((key) => key.startsWith("dataset:") && values[key]).map((key) => key.slice(8));
      const llmSetting = {};
      if (values.temperature !== "") llmSetting.temperature = Number(values.temperature);
      if (values.max_tokens !== "") llmSetting.max_tokens = Number(values.max_tokens);
      const promptConfig = { prologue: values.prologue };
      if (values.system.trim()) promptConfig.system = values.system;
      const body = {
        name: values.name,
        dataset_ids: datasetIds,
        llm_id: values.llm_id,
        llm_setting: llmSetting,
        prompt_config: promptConfig,
        top_n: Number(values.top_n),
        similarity_threshold: Number(values.similarity_threshold),
      };
      const saved = chat ? await api.patch(`/chats/${chat.id}`, body) : await api.post("/chats", body);
      done(saved || chat);
    },
    h("h2", {}, chat ? t("chat.edit") : t("chat.new")),
    field(t("chat.name"), h("input", { name: "name", required: true, value: chat?.name || "" })),
    h(
      "fieldset",
      { class: "datasets" },
      h("legend", {}, t("retrieval.datasets")),
      datasets.some((dataset) => dataset.chunk_count > 0)
        ? datasets.filter((dataset) => dataset.chunk_count > 0).map((dataset) =>
            h("label", { class: "inline" }, h("input", { type: "checkbox", name: `dataset:${dataset.id}`, ".checked": (chat?.dataset_ids || []).includes(dataset.id) }), `${dataset.name} (${dataset.chunk_count})`),
          )
        : h("p", { class: "muted" }, t("chat.noDatasets")),
    ),
    field(t("chat.model"), select("llm_id", chatModels, chat?.llm_id || defaults.llm_id)),
    field(t("chat.system"), h("textarea", { name: "system", rows: 4, placeholder: t("chat.systemHint") }, prompt.system || "")),
    field(t("chat.prologue"), h("input", { name: "prologue", value: prompt.prologue ?? t("chat.defaultPrologue") })),
    h(
      "div",
      { class: "columns" },
      field(t("chat.topN"), h("input", { name: "top_n", type: "number", min: 1, max: 64, value: chat?.top_n ?? 6 })),
      field(t("retrieval.threshold"), h("input", { name: "similarity_threshold", type: "number", min: 0, max: 1, step: 0.01, value: chat?.similarity_threshold ?? 0.1 })),
      field(t("chat.temperature"), h("input", { name: "temperature", type: "number", min: 0, max: 2, step: 0.1, value: setting.temperature ?? "" })),
      field(t("chat.maxTokens"), h("input", { name: "max_tokens", type: "number", min: 1, value: setting.max_tokens ?? "" })),
    ),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, chat ? t("common.save") : t("chat.create"))),
  );
}

export async function render(main, [chatId], query) {
  const [chatList, datasets, models, defaults] = await Promise.all([
    api.get("/chats", { page: 1, page_size: 100, orderby: "create_time", desc: true }),
    api.get("/datasets", { page: 1, page_size: 100 }),
    api.get("/models"),
    api.get("/tenant/models"),
  ]);
  const chats = chatList.chats;
  const chat = chatId ? chats.find((candidate) => candidate.id === chatId) : null;
  const sidebar = h(
    "aside",
    { class: "sidebar" },
    h("a", { class: "button primary", href: "#/chats" }, t("chat.new")),
    h("ul", { class: "chat-list" }, chats.map((item) => h("li", {}, h("a", { href: `#/chats/${item.id}`, class: item.id === chatId ? "active" : null }, item.name)))),
  );
  const area = h("section", { class: "chat-area" });
  replace(main, h("h1", {}, t("nav.chats")), h("div", { class: "split" }, sidebar, area));

  if (!chat) {
    if (chatId) notify(t("chat.missing"));
    replace(area, assistantForm(null, datasets, models, defaults, (created) => (location.hash = `#/chats/${created.id}`)));
    return null;
  }

  let sessionId = query.get("session");
  let controller = null;
  const sessions = await api.get(`/chats/${chat.id}/sessions`, { page: 1, page_size: 100, orderby: "create_time", desc: true });
  if (!sessionId && sessions.length) sessionId = sessions[0].id;
  const conversation = h("div", { class: "conversation", id: "conversation", "aria-live": "polite" });
  const sessionPicker = h(
    "select",
    {
      "aria-label": t("chat.session"),
      hidden: !sessions.length,
      onchange: (event) => {
        location.hash = `#/chats/${chat.id}?session=${event.target.value}`;
      },
    },
    sessions.map((session) => h("option", { value: session.id, ".selected": session.id === sessionId }, session.name)),
  );
  const editor = h("div", { hidden: true });
  const question = h("textarea", { name: "question", rows: 2, required: true, placeholder: t("chat.ask"), "aria-label": t("chat.ask") });
  const send = h("button", { class: "primary", type: "submit" }, t("chat.send"));
  const stop = h("button", { type: "button", hidden: true, onclick: () => controller?.abort() }, t("documents.stop"));
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  async function showSession() {
    if (!sessionId) {
      replace(conversation, bubble("assistant", chat.prompt_config?.prologue || ""));
      return;
    }
    const session = await api.get(`/chats/${chat.id}/sessions/${sessionId}`);
    const references = session.reference || [];
    const answered = session.messages.filter((message) => message.role === "assistant" && message.id);
    replace(
      conversation,
      session.messages.map((message) => {
        const index = answered.indexOf(message);
        const reference = index >= 0 ? references[references.length - answered.length + index] : null;
        return bubble(message.role, message.content, reference);
      }),
    );
    conversation.scrollTop = conversation.scrollHeight;
  }

  async function ask(text) {
    conversation.append(bubble("user", text));
    const reasoningText = h("div", {});
    const reasoning = h("details", { class: "reasoning", hidden: true }, h("summary", {}, t("chat.reasoning")), reasoningText);
    const answerNode = h("div", { class: "answer streaming" });
    const reply = h("div", { class: "bubble assistant" }, reasoning, answerNode);
    conversation.append(reply);
    let answer = "";
    let reference = null;
    let thinking = "";
    controller = new AbortController();
    send.disabled = true;
    stop.hidden = false;
    try {
      await api.stream(
        `/chats/${chat.id}/completions`,
        { question: text, stream: true, ...(sessionId ? { session_id: sessionId } : {}) },
        (event) => {
          if (event.code !== 0) {
            answerNode.append(h("p", { class: "error-text", role: "alert" }, event.message || t("chat.failed")));
            notify(t("chat.modelError", { message: event.message || "" }));
            return;
          }
          const data = event.data;
          if (data === true || !data) return;
          if (data.session_id && !sessionId) sessionId = data.session_id;
          if (data.reasoning_content) {
            thinking += data.reasoning_content;
            reasoning.hidden = false;
            replace(reasoningText, thinking);
          }
          if (data.final) {
            answer = data.answer || answer;
            reference = data.reference;
          } else if (data.answer) {
            answer += data.answer;
          }
          replace(answerNode, withCitations(answer, reference?.chunks));
          conversation.scrollTop = conversation.scrollHeight;
        },
        { signal: controller.signal },
      );
      const extra = sources(reference);
      if (extra) reply.append(extra);
    } catch (error) {
      if (error.name !== "AbortError") {
        answerNode.append(h("p", { class: "error-text", role: "alert" }, describe(error)));
        fail(error);
      }
    } finally {
      answerNode.classList.remove("streaming");
      reply.dataset.done = "true";
      send.disabled = false;
      stop.hidden = true;
      controller = null;
    }
    if (sessionId && ![...sessionPicker.options].some((option) => option.value === sessionId)) {
      sessionPicker.prepend(h("option", { value: sessionId, ".selected": true }, t("chat.newSession")));
      sessionPicker.hidden = false;
    }
    if (sessionId && query.get("session") !== sessionId) history.replaceState(null, "", `#/chats/${chat.id}?session=${sessionId}`);
  }

  const form = h(
    "form",
    {
      class: "ask",
      id: "ask-form",
      onsubmit: (event) => {
        event.preventDefault();
        const text = question.value.trim();
        if (!text || controller) return;
        question.value = "";
        ask(text);
      },
    },
    question,
    send,
    stop,
  );

  replace(
    area,
    h(
      "div",
      { class: "row chat-head" },
      h("h2", {}, chat.name),
      sessionPicker,
      h(
        "button",
        {
          onclick: async () => {
            try {
              const session = await api.post(`/chats/${chat.id}/sessions`, { name: t("chat.newSessionName", { time: new Date().toLocaleString() }) });
              location.hash = `#/chats/${chat.id}?session=${session.id}`;
            } catch (error) {
              fail(error);
            }
          },
        },
        t("chat.newSession"),
      ),
      h(
        "button",
        {
          onclick: () => {
            editor.hidden = !editor.hidden;
            replace(editor, assistantForm(chat, datasets, models, defaults, () => location.reload()));
          },
        },
        t("common.edit"),
      ),
      h(
        "button",
        {
          class: "danger",
          onclick: async () => {
            if (!(await confirmAction(t("chat.confirmDelete", { name: chat.name })))) return;
            try {
              await api.del("/chats", { ids: [chat.id] });
              location.hash = "#/chats";
            } catch (error) {
              fail(error);
            }
          },
        },
        t("common.delete"),
      ),
    ),
    editor,
    conversation,
    form,
  );
  await showSession();
  return () => controller?.abort();
}
