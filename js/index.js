/**
 * webgguf: run GGUF language models in the browser (and Node) on a wasm engine in a worker.
 * @module webgguf
 */

export { Engine } from './engine.js';
export { ChatTemplate, CHATML_TEMPLATE } from './chat_template.js';
export { jsonSchemaToGrammar } from './json_schema_grammar.js';
export { ModelStore } from './model_store.js';
export { advise, memoryBudget, PRESET_NOTES, WASM_MEMORY_LIMIT } from './advisor.js';
export { expandSplitName } from './byte_sources.js';
export {
  WebggufError, NetworkError, HttpStatusError, CorsError, NotGgufError, UnsupportedArchitectureError,
  UnsupportedTypeError, ModelTooBigError, QuotaExceededError, AbortError, ContextFullError,
  WorkerCrashedError, InvalidArgumentError, NoModelError, InvalidModelError, InvalidSessionError, ChatTemplateError,
  errorFromWasmCode,
} from './errors.js';
