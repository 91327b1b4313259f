// Agents: list, create from a template, edit the DSL as JSON (the server's validation errors
// shown as they come), and run with streamed events — which component is running, what each
// finished with, the answer as it arrives.

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { currentLanguage, t } from "../i18n.js";
import { describe, fail, notify } from "../messages.js";
import { creator, field, itemHeading, pager, submitForm } from "../widgets.js";

const PAGE_SIZE = 30;

/** A template's text in the UI's language (templates carry {"en": …, "zh": …}). */
function localised(text) {
  if (!text || typeof text !== "object") return text || "";
  return text[currentLanguage()] || text.en || Object.values(text)[0] || "";
}

async function list(main) {
  let page = 1;
  const templates = await api.get("/agents/templates");
  const section = h("section", { id: "agent-list" });
  const adder = creator(
    t("agents.new"),
    submitForm(
      { class: "card grid", id: "create-agent" },
      async (values) => {
        const template = templates.find((candidate) => String(candidate.id) === values.template);
        const created = await api.post("/agents", { title: values.title, description: localised(template.description), dsl: template.dsl });
        location.hash = `#/agents/${created.id}`;
      },
      field(
        t("agents.template"),
        h(
          "select",
          { name: "template" },
          templates.map((template) => h("option", { value: template.id }, localised(template.title))),
        ),
      ),
      field(t("agents.title"), h("input", { name: "title", required: true })),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("chat.create"))),
    ),
  );
  replace(main, h("div", { class: "heading" }, h("h1", {}, t("nav.agents")), adder), section);

  async function load() {
    const data = await api.get("/agents", { page, page_size: PAGE_SIZE, orderby: "update_time", desc: true });
    replace(
      section,
      data.canvas.length
        ? h(
            "ul",
            { class: "plain" },
            data.canvas.map((agent) =>
              h("li", { class: "card", "data-agent": agent.id }, h("a", { class: "strong", href: `#/agents/${agent.id}` }, agent.title), agent.description ? h("div", { class: "muted" }, agent.description) : null),
            ),
          )
        : h("p", { class: "empty" }, t("agents.none")),
      pager(page, PAGE_SIZE, data.total, (next) => {
        page = next;
        load().catch(fail);
      }),
    );
  }
  await load();
}

function runPanel(agentId) {
  const events = h("ol", { class: "events", id: "agent-events" });
  const answer = h("div", { class: "bubble assistant answer", id: "agent-answer", hidden: true });
  let controller = null;
  const running = new Map(); // component id → its line in the event list

  const onEvent = (event) => {
    if (event.code !== undefined && event.code !== 0) {
      events.append(h("li", { class: "error-text", role: "alert" }, event.message || t("chat.failed")));
      return;
    }
    const data = event.data || {};
    if (event.event === "node_started") {
      const line = h("li", { class: "running", "data-component": data.component_id }, `${data.component_type} · ${data.component_id}`);
      running.set(data.component_id, line);
      events.append(line);
    } else if (event.event === "node_finished") {
      const line = running.get(data.component_id);
      if (!line) return;
      line.className = data.error ? "failed" : "finished";
      const seconds = typeof data.elapsed_time === "number" ? ` · ${data.elapsed_time.toFixed(2)} s` : "";
      replace(line, `${data.component_type} · ${data.component_id}${seconds}`, data.error ? h("div", { class: "error-text" }, String(data.error)) : null);
    } else if (event.event === "message" && data.content) {
      answer.hidden = false;
      answer.append(data.content);
    } else if (event.event === "user_inputs") {
      events.append(h("li", {}, t("agents.waitsForInput")));
    } else if (event.event === "workflow_finished") {
      events.append(h("li", { class: "finished" }, t("agents.finished", { seconds: Number(data.elapsed_time || 0).toFixed(2) })));
    }
  };

  const form = submitForm(
    { class: "ask", id: "run-agent" },
    async (values) => {
      if (controller) return;
      replace(events);
      replace(answer);
      answer.hidden = true;
      running.clear();
      controller = new AbortController();
      try {
        await api.stream("/agents/chat/completions", { agent_id: agentId, query: values.query, stream: true }, onEvent, { signal: controller.signal });
      } catch (error) {
        if (error.name !== "AbortError") events.append(h("li", { class: "error-text", role: "alert" }, describe(error)));
      } finally {
        controller = null;
        form.dataset.done = "true";
      }
    },
    h("textarea", { name: "query", rows: 2, placeholder: t("chat.ask"), "aria-label": t("chat.ask") }),
    h("button", { class: "primary", type: "submit" }, t("agents.run")),
  );
  return { element: h("section", { class: "card" }, h("h2", {}, t("agents.run")), form, events, answer), stop: () => controller?.abort() };
}

async function editor(main, agentId) {
  const agent = await api.get(`/agents/${agentId}`);
  const dsl = h("textarea", { name: "dsl", rows: 22, spellcheck: "false", class: "code" }, JSON.stringify(agent.dsl, null, 2));
  const problem = h("p", { class: "error-text", role: "alert", id: "dsl-problem" });
  const form = submitForm(
    { class: "card grid", id: "agent-form" },
    async (values) => {
      replace(problem);
      let parsed;
      try {
        parsed = JSON.parse(values.dsl);
      } catch (error) {
        replace(problem, t("agents.badJson", { error: error.message }));
        return;
      }
      try {
        await api.put(`/agents/${agentId}`, { title: values.title, description: values.description, dsl: parsed });
      } catch (error) {
        replace(problem, describe(error));
        return;
      }
      notify(t("common.saved"), "info");
    },
    field(t("agents.title"), h("input", { name: "title", required: true, value: agent.title })),
    field(t("datasets.description"), h("input", { name: "description", value: agent.description || "" })),
    field(t("agents.dsl"), dsl, t("agents.dslHint")),
    problem,
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, t("common.save"))),
  );
  const run = runPanel(agentId);
  replace(
    main,
    itemHeading(t("nav.agents"), "#/agents", agent.title, t("agents.confirmDelete", { name: agent.title }), () => api.del(`/agents/${agentId}`)),
    h("div", { class: "split wide" }, form, run.element),
  );
  return run.stop;
}

export async function render(main, [agentId]) {
  if (agentId) return editor(main, agentId);
  await list(main);
  return null;
}
