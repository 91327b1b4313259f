// UI text in English and Chinese: /ui/i18n/<language>.json, chosen in the header and remembered
// in localStorage. t("documents.title") looks a key up; {name} placeholders are filled from params.

const STORE = "ragloom.language";
export const LANGUAGES = { en: "English", zh: "中文" };
let language = "en";
let texts = {};

function preferred() {
  const stored = localStorage.getItem(STORE);
  if (stored && stored in LANGUAGES) return stored;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** Load the UI text of the stored (or the browser's) language. */
export async function loadLanguage(choice = preferred()) {
  const response = await fetch(`/ui/i18n/${choice}.json`);
  texts = await response.json();
  language = choice;
  localStorage.setItem(STORE, choice);
  document.documentElement.lang = choice === "zh" ? "zh-CN" : "en";
}

export function currentLanguage() {
  return language;
}

/** The text of a key, with {placeholders} filled; the key itself when it has no text. */
export function t(key, params = {}) {
  const text = texts[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
