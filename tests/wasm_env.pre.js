// The C++ tests under Node: Emscripten's getenv sees only its own defaults, so copy Node's
// environment in before main (WEBGGUF_FIXTURES, GTEST_OUTPUT, WEBGGUF_PERPLEXITY_CHUNKS).
Module.preRun = (Module.preRun || []).concat(() => Object.assign(ENV, process.env));
