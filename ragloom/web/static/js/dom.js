// Building the DOM without HTML strings: every text is set as a text node, so nothing the API
// returns (names, chunk content, answers) is ever parsed as markup.

/**
 * h("button", {class: "primary", onclick: f}, "Save") — an element with attributes, listeners
 * (keys starting with "on"), properties (keys starting with ".") and children (strings become
 * text nodes; null, undefined and false are skipped; arrays are flattened).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key.startsWith(".")) {
      element[key.slice(1)] = value;
    } else {
      element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Append children (as for h) to an element. */
export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Replace an element's children. */
export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

/**
 * Text carrying <em>…</em> highlights (as the API marks matched terms) as text nodes and <mark>
 * elements: only the two literal tags are recognised, everything else stays text.
 */
export function highlighted(text) {
  const parts = String(text ?? "").split(/(<em>|<\/em>)/);
  const nodes = [];
  let inside = false;
  for (const part of parts) {
    if (part === "<em>") inside = true;
    else if (part === "</em>") inside = false;
    else if (part) nodes.push(inside ? h("mark", {}, part) : document.createTextNode(part));
  }
  return nodes;
}

/** A number as "0.8123" (four decimals), or "—" when absent. */
export function score(value) {
  return typeof value === "number" ? value.toFixed(4) : "—";
}

/** Bytes as "12.3 KB". */
export function bytes(size) {
  if (typeof size !== "number") return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A form's named fields as an object of strings (checkboxes as booleans). */
export function formValues(form) {
  const values = {};
  for (const field of form.elements) {
    if (!field.name) continue;
    values[field.name] = field.type === "checkbox" ? field.checked : field.value;
  }
  return values;
}
