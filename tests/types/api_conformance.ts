// The declared API (js/index.d.ts, what `import 'webgguf'` sees) against the implementation
// (js/*.js typed by their JSDoc): every export declared is implemented with a type the declaration
// accepts, and nothing is exported undeclared. Checked by `tsc -p tsconfig.json` (scripts/test.sh).
import type * as Declared from '../../js/index.js'; // resolves to js/index.d.ts
import * as advisor from '../../js/advisor.js';
import * as byteSources from '../../js/byte_sources.js';
import * as chatTemplate from '../../js/chat_template.js';
import * as engine from '../../js/engine.js';
import * as errors from '../../js/errors.js';
import * as jsonSchemaGrammar from '../../js/json_schema_grammar.js';
import * as modelStore from '../../js/model_store.js';

export const implementation: { [name in keyof typeof Declared]: (typeof Declared)[name] } = {
  Engine: engine.Engine,
  ChatTemplate: chatTemplate.ChatTemplate,
  CHATML_TEMPLATE: chatTemplate.CHATML_TEMPLATE,
  ModelStore: modelStore.ModelStore,
  advise: advisor.advise,
  memoryBudget: advisor.memoryBudget,
  PRESET_NOTES: advisor.PRESET_NOTES,
  WASM_MEMORY_LIMIT: advisor.WASM_MEMORY_LIMIT,
  expandSplitName: byteSources.expandSplitName,
  jsonSchemaToGrammar: jsonSchemaGrammar.jsonSchemaToGrammar,
  WebggufError: errors.WebggufError,
  NetworkError: errors.NetworkError,
  HttpStatusError: errors.HttpStatusError,
  CorsError: errors.CorsError,
  NotGgufError: errors.NotGgufError,
  UnsupportedArchitectureError: errors.UnsupportedArchitectureError,
  UnsupportedTypeError: errors.UnsupportedTypeError,
  ModelTooBigError: errors.ModelTooBigError,
  QuotaExceededError: errors.QuotaExceededError,
  AbortError: errors.AbortError,
  ContextFullError: errors.ContextFullError,
  WorkerCrashedError: errors.WorkerCrashedError,
  InvalidArgumentError: errors.InvalidArgumentError,
  NoModelError: errors.NoModelError,
  InvalidModelError: errors.InvalidModelError,
  InvalidSessionError: errors.InvalidSessionError,
  ChatTemplateError: errors.ChatTemplateError,
  errorFromWasmCode: errors.errorFromWasmCode,
};

// Optional fields are invisible to assignability, so the option objects of every Engine method
// are compared by their keys: an option the implementation reads must be declared, and back.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type ParameterKeys<F> = F extends (...args: infer P) => unknown
  ? { [i in keyof P]: NonNullable<P[i]> extends object ? keyof NonNullable<P[i]> : never }
  : never;
type EngineMethod = {
  [m in keyof Declared.Engine]: Declared.Engine[m] extends (...args: never[]) => unknown ? m : never;
}[keyof Declared.Engine];
type Implemented = InstanceType<typeof engine.Engine>;

export const sameOptionKeys: { [m in EngineMethod]: true } = {} as {
  [m in EngineMethod]: Equal<ParameterKeys<Implemented[m]>, ParameterKeys<Declared.Engine[m]>>;
};
