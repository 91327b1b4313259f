// The parser_config keys ragloom accepts (the server's ParserConfig), how each is edited, and which
// apply to which chunk method. `key` is the dotted path in parser_config; `ext` keys travel in
// parser_config.ext, which the server lifts to the top level (they are no ParserConfig field of their
// own). Defaults are ParserConfig's: what a key holds when a config leaves it out.

/** Every editable key: type, bounds, default, label (and hint) text keys. */
export const FIELDS = {
  chunk_token_num: { type: "int", min: 1, max: 2048, default: 512, label: "parser.chunkTokenNum", hint: "parser.chunkTokenNumHint" },
  delimiter: { type: "delimiter", default: "\\n", label: "parser.delimiter", hint: "parser.delimiterHint", required: true },
  overlapped_percent: { type: "int", min: 0, max: 90, default: 0, ext: true, label: "parser.overlappedPercent" },
  "parent_child.use_parent_child": { type: "bool", default: false, label: "parser.useParentChild", hint: "parser.useParentChildHint" },
  "parent_child.children_delimiter": { type: "delimiter", default: "\\n", label: "parser.childrenDelimiter", shownWith: "parent_child.use_parent_child" },
  layout_recognize: { type: "choice", choices: ["DeepDOC", "Plain Text"], default: "DeepDOC", label: "parser.layoutRecognize", hint: "parser.layoutRecognizeHint" },
  pages: { type: "ranges", default: null, label: "parser.pages", hint: "parser.pagesHint" },
  task_page_size: { type: "int", min: 1, default: null, nullable: true, label: "parser.taskPageSize", hint: "parser.storedOnly" },
  html4excel: { type: "bool", default: false, label: "parser.html4excel", hint: "parser.storedOnly" },
  image_context_size: { type: "int", min: 0, default: 0, label: "parser.imageContextSize", hint: "parser.storedOnly" },
  table_context_size: { type: "int", min: 0, default: 0, label: "parser.tableContextSize", hint: "parser.storedOnly" },
  table_column_mode: { type: "choice", choices: ["", "auto", "manual"], default: null, nullable: true, label: "parser.tableColumnMode" },
  table_column_names: { type: "list", default: null, nullable: true, label: "parser.tableColumnNames", hint: "parser.listHint" },
  table_column_roles: { type: "roles", choices: ["indexing", "metadata", "both"], default: null, label: "parser.tableColumnRoles", hint: "parser.tableColumnRolesHint" },
  auto_keywords: { type: "int", min: 0, max: 32, default: 0, label: "parser.autoKeywords", hint: "parser.autoKeywordsHint" },
  auto_questions: { type: "int", min: 0, max: 10, default: 0, label: "parser.autoQuestions", hint: "parser.autoQuestionsHint" },
  toc_extraction: { type: "bool", default: false, ext: true, label: "parser.tocExtraction", hint: "parser.tocExtractionHint" },
  filename_embd_weight: { type: "float", min: 0, max: 1, step: 0.05, default: 0.1, nullable: true, label: "parser.filenameWeight", hint: "parser.filenameWeightHint" },
  tag_kb_ids: { type: "datasets", default: [], label: "parser.tagDatasets", hint: "parser.tagDatasetsHint" },
  topn_tags: { type: "int", min: 1, max: 10, default: 1, label: "parser.topnTags" },
  "raptor.use_raptor": { type: "bool", default: false, label: "parser.useRaptor", hint: "parser.useRaptorHint" },
  "raptor.prompt": { type: "text", rows: 4, default: null, label: "parser.raptorPrompt", shownWith: "raptor.use_raptor" },
  "raptor.max_token": { type: "int", min: 1, max: 2048, default: 256, label: "parser.raptorMaxToken", shownWith: "raptor.use_raptor" },
  "raptor.threshold": { type: "float", min: 0, max: 1, step: 0.01, default: 0.1, label: "parser.raptorThreshold", shownWith: "raptor.use_raptor" },
  "raptor.max_cluster": { type: "int", min: 1, max: 1024, default: 64, label: "parser.raptorMaxCluster", shownWith: "raptor.use_raptor" },
  "raptor.random_seed": { type: "int", min: 0, default: 0, label: "parser.raptorRandomSeed", shownWith: "raptor.use_raptor" },
  "raptor.scope": { type: "choice", choices: ["file", "dataset"], default: "file", label: "parser.raptorScope", shownWith: "raptor.use_raptor" },
  "raptor.clustering_method": { type: "choice", choices: ["gmm", "ahc"], default: "gmm", label: "parser.raptorClustering", shownWith: "raptor.use_raptor" },
  "raptor.tree_builder": { type: "choice", choices: ["raptor", "psi"], default: "raptor", label: "parser.raptorTreeBuilder", shownWith: "raptor.use_raptor" },
  "raptor.auto_disable_for_structured_data": { type: "bool", default: true, label: "parser.raptorSkipStructured", shownWith: "raptor.use_raptor" },
  "graphrag.use_graphrag": { type: "bool", default: false, label: "parser.useGraphrag", hint: "parser.useGraphragHint" },
  "graphrag.entity_types": { type: "list", default: ["organization", "person", "geo", "event", "category"], label: "parser.entityTypes", hint: "parser.listHint", shownWith: "graphrag.use_graphrag" },
  "graphrag.method": { type: "choice", choices: ["light", "general", "ner"], default: "light", label: "parser.graphMethod", shownWith: "graphrag.use_graphrag" },
  "graphrag.resolution": { type: "bool", default: false, label: "parser.graphResolution", shownWith: "graphrag.use_graphrag" },
  "graphrag.community": { type: "bool", default: false, label: "parser.graphCommunity", shownWith: "graphrag.use_graphrag" },
  "graphrag.batch_chunk_token_size": { type: "int", min: 512, max: 8196, default: 4096, label: "parser.graphBatchTokens", shownWith: "graphrag.use_graphrag" },
  "graphrag.retry_attempts": { type: "int", min: 1, max: 10, default: 2, label: "parser.graphRetries", shownWith: "graphrag.use_graphrag" },
  entity_types: { type: "list", default: ["organization", "person", "location", "event", "time"], ext: true, label: "parser.entityTypes", hint: "parser.listHint" },
};

/** Fields in groups, each shown as a fieldset under its legend. */
export const GROUPS = {
  chunking: { legend: "parser.groupChunking", keys: ["chunk_token_num", "delimiter", "overlapped_percent", "parent_child.use_parent_child", "parent_child.children_delimiter"] },
  pdf: { legend: "parser.groupPdf", keys: ["layout_recognize", "pages", "task_page_size"] },
  spreadsheet: { legend: "parser.groupSpreadsheet", keys: ["html4excel", "image_context_size", "table_context_size"] },
  table: { legend: "parser.groupTable", keys: ["table_column_mode", "table_column_names", "table_column_roles", "html4excel"] },
  enrichment: { legend: "parser.groupEnrichment", keys: ["auto_keywords", "auto_questions", "toc_extraction", "filename_embd_weight"] },
  enrichmentShort: { legend: "parser.groupEnrichment", keys: ["auto_keywords", "auto_questions", "filename_embd_weight"] },
  tags: { legend: "parser.groupTags", keys: ["tag_kb_ids", "topn_tags"] },
  raptor: { legend: "parser.groupRaptor", keys: ["raptor.use_raptor", "raptor.prompt", "raptor.max_token", "raptor.threshold", "raptor.max_cluster", "raptor.random_seed", "raptor.scope", "raptor.clustering_method", "raptor.tree_builder", "raptor.auto_disable_for_structured_data"] },
  graphrag: { legend: "parser.groupGraphrag", keys: ["graphrag.use_graphrag", "graphrag.entity_types", "graphrag.method", "graphrag.resolution", "graphrag.community", "graphrag.batch_chunk_token_size", "graphrag.retry_attempts"] },
  knowledgeGraph: { legend: "parser.groupKnowledgeGraph", keys: ["chunk_token_num", "delimiter", "entity_types"] },
};

const SECTIONED = ["chunking", "pdf", "enrichment", "tags", "raptor", "graphrag"];

/**
 * The groups each chunk method reads, following what ragloom's chunkers and enrichers use:
 * the section-based methods merge text with chunk_token_num and the delimiters, PDFs take the
 * layout and page settings, whole-file methods (one, presentation) only the latter.
 */
export const METHOD_GROUPS = {
  naive: ["chunking", "pdf", "spreadsheet", "enrichment", "tags", "raptor", "graphrag"],
  book: SECTIONED,
  laws: SECTIONED,
  manual: SECTIONED,
  paper: SECTIONED,
  email: ["chunking", "enrichment", "tags", "raptor", "graphrag"],
  one: ["pdf", "enrichment", "tags", "raptor", "graphrag"],
  presentation: ["pdf", "enrichment", "tags", "raptor", "graphrag"],
  picture: ["enrichmentShort", "tags"],
  qa: ["enrichmentShort", "tags"],
  table: ["table", "enrichmentShort", "tags"],
  tag: ["enrichmentShort"],
  resume: ["enrichmentShort", "tags"],
  knowledge_graph: ["knowledgeGraph"],
};

/** The keys a chunk method's form shows, in order, each once. */
export function keysFor(method) {
  const keys = (METHOD_GROUPS[method] || ["enrichmentShort"]).flatMap((group) => GROUPS[group].keys);
  return [...new Set(keys)];
}
