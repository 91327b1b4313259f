// The client of ragloom's public API (/api/v1): the same routes and envelopes any program uses.
// The API key lives in this tab's sessionStorage only; signing out removes it.

const KEY = "ragloom.apiKey";
export const BASE = "/api/v1";

/** An API refusal: the envelope's code and message, or the HTTP status when there was none. */
export class ApiError extends Error {
  constructor(message, { code = null, status = 0 } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
  /** The key was missing or not accepted. */
  get unauthorized() {
    return this.status === 401 || this.code === 401;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function signIn(key) {
  sessionStorage.setItem(KEY, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}`, ...extra } : { ...extra };
}

/** "/datasets" plus a query string from an object (arrays repeat the key; null/""/undefined are left out). */
export function path(route, query = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && item !== undefined && item !== "") search.append(name, String(item));
    }
  }
  const text = search.toString();
  return text ? `${route}?${text}` : route;
}

/** The envelope's data, or an ApiError carrying its message. */
function unwrap(status, body) {
  if (body && typeof body === "object" && "code" in body) {
    if (body.code === 0) return body.data;
    const message = typeof body.message === "string" && body.message ? body.message : `Error ${body.code}`;
    throw new ApiError(message, { code: body.code, status });
  }
  if (status >= 400) throw new ApiError(`HTTP ${status}`, { status });
  return body;
}

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("application/json")) return unwrap(response.status, await response.json());
  if (!response.ok) throw new ApiError(`HTTP ${response.status}`, { status: response.status });
  return response.text();
}

/** Call a route: request("GET", "/datasets", {query, body}) → the envelope's data. */
export async function request(method, route, { query = {}, body } = {}) {
  let response;
  try {
    response = await fetch(BASE + path(route, query), {
      method,
      headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(error.message || "network error", { status: 0 });
  }
  return parse(response);
}

/** The whole envelope (for routes with extra top-level keys such as total_datasets). */
export async function requestEnvelope(method, route, { query = {} } = {}) {
  const response = await fetch(BASE + path(route, query), { method, headers: headers() });
  const body = await response.json();
  unwrap(response.status, body);
  return body;
}

export const get = (route, query) => request("GET", route, { query });
export const post = (route, body) => request("POST", route, { body });
export const put = (route, body) => request("PUT", route, { body });
export const patch = (route, body) => request("PATCH", route, { body });
export const del = (route, body) => request("DELETE", route, { body });

/**
 * Upload one file as multipart part "file", reporting progress (0–1) as it is sent; resolves to
 * the created documents. XMLHttpRequest, because fetch has no upload progress.
 */
export function upload(datasetId, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${BASE}/datasets/${encodeURIComponent(datasetId)}/documents`);
    for (const [name, value] of Object.entries(headers())) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      try {
        resolve(unwrap(xhr.status, JSON.parse(xhr.responseText)));
      } catch (error) {
        reject(error instanceof ApiError ? error : new ApiError(`HTTP ${xhr.status}`, { status: xhr.status }));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError("network error", { status: 0 })));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/** Download a document (the route needs the key, so a plain link cannot fetch it). */
export async function download(datasetId, documentId, name) {
  const response = await fetch(`${BASE}/datasets/${encodeURIComponent(datasetId)}/documents/${encodeURIComponent(documentId)}`, {
    headers: headers(),
  });
  const type = response.headers.get("content-type") || "";
  if (!response.ok || type.includes("application/json")) await parse(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const pictures = new Map(); // "key/dataset/document/page/width" → Promise of a page picture

/**
 * A PDF page as a picture: {url (a blob: URL), pageWidth, pageHeight (points)}. The route needs the
 * key, so an <img> cannot load it itself; each page and width is fetched once per tab.
 */
export function pagePicture(datasetId, documentId, page, width) {
  const key = `${apiKey()}/${datasetId}/${documentId}/${page}/${width}`; // one key never sees another's
  if (!pictures.has(key)) {
    const route = `/datasets/${encodeURIComponent(datasetId)}/documents/${encodeURIComponent(documentId)}/pages/${page}`;
    const loading = (async () => {
      let response;
      try {
        response = await fetch(BASE + path(route, { width }), { headers: headers() });
      } catch (error) {
        throw new ApiError(error.message || "network error", { status: 0 });
      }
      const type = response.headers.get("content-type") || "";
      if (!response.ok || !type.startsWith("image/")) {
        await parse(response);
        throw new ApiError(`HTTP ${response.status}`, { status: response.status });
      }
      return {
        url: URL.createObjectURL(await response.blob()),
        pageWidth: Number(response.headers.get("X-Page-Width")),
        pageHeight: Number(response.headers.get("X-Page-Height")),
      };
    })();
    loading.catch(() => pictures.delete(key)); // a failure is not remembered: the next look tries again
    pictures.set(key, loading);
  }
  return pictures.get(key);
}

/**
 * POST a route that answers with server-sent events and call onEvent(payload) for each `data:`
 * line's JSON envelope as it arrives. Errors before the stream starts are ordinary envelopes
 * and are thrown as ApiError.
 */
export async function stream(route, body, onEvent, { signal } = {}) {
  let response;
  try {
    response = await fetch(BASE + route, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    throw new ApiError(error.message || "network error", { status: 0 });
  }
  const type = response.headers.get("content-type") || "";
  if (!type.includes("text/event-stream")) {
    await parse(response);
    throw new ApiError(`HTTP ${response.status}`, { status: response.status });
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    let end;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
      if (!line.startsWith("data:")) continue;
      const text = line.slice(5).trim();
      if (!text || text === "[DONE]") continue;
      onEvent(JSON.parse(text));
    }
    if (done) break;
  }
}
