// The parser_config part of a form: the fields of the selected chunk method (parser_fields.js),
// grouped under legends, read back into a parser_config object, and the server's refusals
// ("Field: <parser_config.raptor.max_token> - Message: <…>") put next to the fields they name.

import * as api from "./api.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";
import { FIELDS, GROUPS, METHOD_GROUPS } from "./parser_fields.js";
import { field } from "./widgets.js";

const PREFIX = "parser:";
const PROBLEM = /Field: <parser_config\.(?:ext\.)?([\w.]+)> - Message: <(.*?)> - Value: <.*?>/g;

/** A value of the form that cannot be sent, named by its field. */
class FieldError extends Error {}

function lookup(config, key) {
  return key.split(".").reduce((value, part) => (value && typeof value === "object" ? value[part] : undefined), config);
}

function store(target, key, value) {
  const parts = key.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts[parts.length - 1]] = value;
}

/** A delimiter as typed: newline, tab and carriage return as \n, \t, \r (an input holds one line). */
function escaped(text) {
  return String(text ?? "").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
}

function rangesText(ranges) {
  return (ranges || []).map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(", ");
}

function parseRanges(text) {
  if (!text.trim()) return null;
  return text.split(",").map((part) => {
    const match = part.trim().match(/^(\d+)(?:\s*-\s*(\d+))?$/);
    if (!match || Number(match[1]) < 1) throw new FieldError(t("parser.badPages"));
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) throw new FieldError(t("parser.badPages"));
    return [from, to];
  });
}

function rolesText(roles) {
  return Object.entries(roles || {}).map(([column, role]) => `${column}: ${role}`).join("\n");
}

function parseRoles(text, choices) {
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  if (!lines.length) return null;
  const roles = {};
  for (const line of lines) {
    const cut = line.lastIndexOf(":");
    const column = line.slice(0, cut).trim();
    const role = line.slice(cut + 1).trim();
    if (cut < 1 || !column || !choices.includes(role)) throw new FieldError(t("parser.badRoles", { line }));
    roles[column] = role;
  }
  return roles;
}

function listOf(text) {
  return text.split(",").map((item) => item.trim()).filter(Boolean);
}

/** A control for one field, the string it starts from, and how to read it back (undefined: leave the key out). */
function control(key, spec, current, tagDatasets) {
  const name = PREFIX + key;
  switch (spec.type) {
    case "bool": {
      const box = h("input", { type: "checkbox", name, ".checked": Boolean(current) });
      return { element: box, text: () => String(box.checked), read: () => box.checked };
    }
    case "int":
    case "float": {
      const input = h("input", { type: "number", name, min: spec.min, max: spec.max, step: spec.type === "int" ? 1 : spec.step, value: current ?? "" });
      const read = () => (input.value === "" ? (spec.nullable ? null : undefined) : Number(input.value));
      return { element: input, text: () => input.value, read };
    }
    case "choice": {
      const chosen = current ?? "";
      // a value set by another client (say a layout model ragloom does not name) stays choosable, so saving keeps it
      const choices = spec.choices.includes(chosen) ? spec.choices : [...spec.choices, chosen];
      const select = h("select", { name }, choices.map((value) => h("option", { value, ".selected": value === chosen }, value || t("parser.unset"))));
      return { element: select, text: () => select.value, read: () => select.value || (spec.nullable ? null : undefined) };
    }
    case "text": {
      const area = h("textarea", { name, rows: spec.rows || 3 }, current ?? "");
      return { element: area, text: () => area.value, read: () => (area.value === "" ? undefined : area.value) };
    }
    case "delimiter": {
      const input = h("input", { name, value: escaped(current), required: spec.required || false, spellcheck: "false" });
      return { element: input, text: () => input.value, read: () => (input.value === "" ? undefined : input.value) };
    }
    case "ranges": {
      const input = h("input", { name, value: rangesText(current), placeholder: "1-10, 15" });
      return { element: input, text: () => input.value, read: () => parseRanges(input.value) };
    }
    case "list": {
      const input = h("input", { name, value: (current || []).join(", ") });
      const read = () => (listOf(input.value).length || !spec.nullable ? listOf(input.value) : null);
      return { element: input, text: () => input.value, read };
    }
    case "roles": {
      const area = h("textarea", { name, rows: 3, spellcheck: "false", placeholder: "price: metadata" }, rolesText(current));
      return { element: area, text: () => area.value, read: () => parseRoles(area.value, spec.choices) };
    }
    case "datasets": {
      const chosen = new Set(current || []);
      const known = new Map(tagDatasets.map((dataset) => [dataset.id, dataset.name]));
      for (const id of chosen) if (!known.has(id)) known.set(id, id);
      const boxes = [...known].map(([id, label]) => h("label", { class: "inline" }, h("input", { type: "checkbox", name, value: id, ".checked": chosen.has(id) }), label));
      const holder = h("div", { class: "choices", "data-name": name }, boxes.length ? boxes : h("span", { class: "muted" }, t("parser.noTagDatasets")));
      const checked = () => boxes.map((label) => label.firstChild).filter((box) => box.checked).map((box) => box.value);
      return { element: holder, text: () => checked().join(","), read: checked };
    }
    default:
      throw new Error(`unknown field type ${spec.type}`);
  }
}

/** The tenant's tag datasets (chunk method "tag"), which a dataset may take tags from. */
export async function tagDatasets(exceptId = null) {
  const envelope = await api.requestEnvelope("GET", "/datasets", { query: { page_size: 100, orderby: "create_time", desc: true } });
  return envelope.data.filter((dataset) => dataset.chunk_method === "tag" && dataset.id !== exceptId);
}

/**
 * The parser_config fields of a chunk method, for a form: `element` to put in the form,
 * `show(method)` to switch method (what was typed is kept), `config({ changedOnly })` the
 * parser_config to send, `explain(error)` the server's refusal in the fields' words.
 */
export function parserSection(config, method, { tagDatasets: tags = [] } = {}) {
  const element = h("div", { class: "parser-fields" });
  const fields = new Map(); // key → { spec, row, read, text, initial }
  const typed = new Map(); // key → the control of a key no longer shown, so a switch back keeps it

  function show(chosen) {
    for (const [key, entry] of fields) typed.set(key, entry);
    fields.clear();
    const groups = (METHOD_GROUPS[chosen] || ["enrichmentShort"]).map((name) => {
      const group = GROUPS[name];
      const rows = group.keys.filter((key) => !fields.has(key)).map((key) => {
        const spec = FIELDS[key];
        const entry = typed.get(key) || { spec, ...control(key, spec, lookup(config, key) ?? spec.default, tags) };
        if (entry.initial === undefined) entry.initial = entry.text();
        const label = t(spec.label);
        entry.row = spec.type === "bool"
          ? h("div", { class: "field", "data-key": key }, h("label", { class: "inline" }, entry.element, label), spec.hint ? h("small", {}, t(spec.hint)) : null)
          : field(label, entry.element, spec.hint ? t(spec.hint) : "");
        entry.row.dataset.key = key;
        fields.set(key, entry);
        return entry.row;
      });
      return h("fieldset", { "data-group": name }, h("legend", {}, t(group.legend)), h("div", { class: "columns" }, rows));
    });
    // a setting that only matters when its switch is on (RAPTOR's, the knowledge graph's) hides with it
    for (const [, entry] of fields) {
      const switchKey = entry.spec.shownWith;
      const toggle = switchKey && fields.get(switchKey)?.element;
      if (!toggle) continue;
      entry.row.hidden = !toggle.checked;
      toggle.addEventListener("change", () => (entry.row.hidden = !toggle.checked));
    }
    element.dataset.method = chosen;
    replace(element, groups);
  }

  function clearMarks() {
    for (const [, entry] of fields) {
      entry.row.classList.remove("invalid");
      entry.row.querySelector("small.problem")?.remove();
    }
  }

  function mark(key, message) {
    const entry = fields.get(key);
    if (!entry) return false;
    entry.row.classList.add("invalid");
    entry.row.append(h("small", { class: "problem error-text", role: "alert" }, message));
    return true;
  }

  /** The parser_config of the shown fields: all of them, or only those changed since shown. */
  function read({ changedOnly = false } = {}) {
    clearMarks();
    const result = {};
    for (const [key, entry] of fields) {
      if (changedOnly && entry.text() === entry.initial) continue;
      let value;
      try {
        value = entry.read();
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        mark(key, error.message);
        throw new Error(`${t(entry.spec.label)}: ${error.message}`);
      }
      if (value === undefined) continue;
      if (entry.spec.ext) store((result.ext ??= {}), key, value);
      else store(result, key, value);
    }
    return result;
  }

  /** The server's "Field: <parser_config.…>" refusal with each field's label, and the fields marked. */
  function explain(error) {
    if (!(error instanceof api.ApiError)) return error;
    clearMarks();
    const lines = [];
    for (const [, key, message] of error.message.matchAll(PROBLEM)) {
      const spec = FIELDS[key];
      if (spec && mark(key, message)) lines.push(`${t(spec.label)}: ${message}`);
      else lines.push(`${key}: ${message}`);
    }
    if (!lines.length) return error;
    return new api.ApiError(lines.join("; "), { code: error.code, status: error.status });
  }

  show(method);
  return { element, show, config: read, explain };
}
