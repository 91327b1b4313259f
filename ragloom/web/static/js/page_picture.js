// Where a PDF chunk sits: a thumbnail of each page it is on, its boxes outlined, enlarged on click.
// Positions are [page, x0, x1, top, bottom] in points from the page's top-left corner; the boxes
// are placed in percentages of the page, so they follow the picture at any size.

import * as api from "./api.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";

const THUMBNAIL_WIDTH = 320; // pixels fetched for a thumbnail (shown at half that, sharp on dense screens)
const LARGE_WIDTH = 1400;
const MAX_PAGES = 3; // a chunk spanning more pages shows its first three

/** Positions grouped by page, in page order: Map(page → [[x0, x1, top, bottom], …]). */
export function boxesByPage(positions) {
  const pages = new Map();
  for (const position of positions || []) {
    if (!Array.isArray(position) || position.length < 5 || !(position[0] > 0)) continue;
    const [page, x0, x1, top, bottom] = position;
    if (!pages.has(page)) pages.set(page, []);
    pages.get(page).push([x0, x1, top, bottom]);
  }
  return new Map([...pages].sort(([a], [b]) => a - b));
}

/** The page picture with a highlighted box for each of boxes, drawn once the picture arrives. */
function framed(picture, boxes, alt) {
  const frame = h("div", { class: "page-frame" }, h("img", { src: picture.url, alt }));
  for (const [x0, x1, top, bottom] of boxes) {
    const box = h("span", { class: "page-box" });
    // CSSOM, not a style attribute: the page's Content-Security-Policy forbids inline styles
    box.style.left = `${(100 * x0) / picture.pageWidth}%`;
    box.style.top = `${(100 * top) / picture.pageHeight}%`;
    box.style.width = `${(100 * Math.max(x1 - x0, 1)) / picture.pageWidth}%`;
    box.style.height = `${(100 * Math.max(bottom - top, 1)) / picture.pageHeight}%`;
    frame.append(box);
  }
  return frame;
}

/** A dialog showing one page large, the chunk's boxes highlighted; closed by its button or Esc. */
async function enlarge(datasetId, documentId, page, boxes) {
  const body = h("div", { class: "page-view-body" }, h("p", { class: "muted" }, t("common.loading")));
  const dialog = h(
    "dialog",
    { class: "page-view", "aria-label": t("chunks.pageOf", { page }) },
    h("form", { method: "dialog", class: "row" }, h("strong", {}, t("chunks.pageOf", { page })), h("button", { type: "submit", class: "close" }, t("common.close"))),
    body,
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  try {
    const picture = await api.pagePicture(datasetId, documentId, page, LARGE_WIDTH);
    const frame = framed(picture, boxes, t("chunks.pageOf", { page }));
    replace(body, frame);
    const first = frame.querySelector(".page-box");
    if (first) frame.querySelector("img").addEventListener("load", () => first.scrollIntoView({ block: "center" }), { once: true });
  } catch (error) {
    replace(body, h("p", { class: "error-text" }, error.message));
  }
}

/**
 * Thumbnails of the pages a PDF chunk is on (nothing when it has no positions); each loads its
 * picture on its own and opens large when clicked.
 */
export function pagePictures(datasetId, documentId, positions) {
  const pages = [...boxesByPage(positions)].slice(0, MAX_PAGES);
  if (!pages.length) return null;
  return h(
    "div",
    { class: "page-pictures" },
    pages.map(([page, boxes]) => {
      const label = t("chunks.pageOf", { page });
      const button = h(
        "button",
        { type: "button", class: "page-thumbnail", "data-page": page, title: t("chunks.enlarge"), "aria-label": `${label} — ${t("chunks.enlarge")}`, onclick: () => enlarge(datasetId, documentId, page, boxes) },
        h("span", { class: "muted" }, t("common.loading")),
      );
      api
        .pagePicture(datasetId, documentId, page, THUMBNAIL_WIDTH)
        .then((picture) => replace(button, framed(picture, boxes, label), h("span", { class: "page-number" }, label)))
        .catch((error) => {
          button.disabled = true;
          replace(button, h("span", { class: "error-text" }, error.message));
        });
      return button;
    }),
  );
}
