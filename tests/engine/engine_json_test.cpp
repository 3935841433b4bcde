// The JSON surface the wasm bindings forward to: header probes, load, sampler options, steps.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/engine_json.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using webgguf::testing::read_file_bytes;
using webgguf::testing::shared_path;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A header-only GGUF declaring `arch` with one tensor of `type`.
std::vector<uint8_t> synthetic_header(const std::string& arch, GgmlType type) {
  GgufFile file;
  file.metadata.emplace_back("general.architecture", GgufValue::of_string(arch));
  GgufTensorInfo tensor;
  tensor.name = "token_embd.weight";
  tensor.n_dims = 2;
  tensor.ne[0] = 64;
  tensor.ne[1] = 16;
  tensor.type = type;
  tensor.size_bytes = ggml_row_bytes(type, 64) * 16;
  file.tensors.push_back(tensor);
  file.reindex();
  Result<std::vector<uint8_t>> bytes = serialize_gguf_header(file);
  EXPECT_TRUE(bytes.is_ok()) << bytes.status().message();
  std::vector<uint8_t> out = bytes.take();
  out.resize(out.size() + tensor.size_bytes, 0);
  return out;
}

TEST(EngineJsonApi, ProbeGrowsTheHeaderThenDescribesTheModel) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<uint8_t> file = read_file_bytes(shared_path("models/lexi-28m-chat-f16.gguf"));
  ASSERT_GT(file.size(), 1000000u);
  std::string probe = EngineJsonApi::probe_header(file.data(), 64, static_cast<double>(file.size()), 512);
  ASSERT_TRUE(contains(probe, "\"status\":\"need_more\"")) << probe;
  size_t have = 64;
  for (int round = 0; round < 20 && contains(probe, "need_more"); ++round) {
    const size_t at = probe.find("\"bytesNeeded\":") + 14;
    const size_t needed = std::stoull(probe.substr(at));
    ASSERT_GT(needed, have);
    have = std::min(needed, file.size());
    probe = EngineJsonApi::probe_header(file.data(), have, static_cast<double>(file.size()), 512);
  }
  ASSERT_TRUE(contains(probe, "\"status\":\"ok\"")) << probe;
  EXPECT_LT(have, 200000u);  // the header only, not the 56 MB of weights
  for (const char* field :
       {"\"architecture\":\"llama\"", "\"n_vocab\":4096", "\"n_ctx\":512", "\"n_ctx_train\":1024", "\"n_layer\":8",
        "\"n_head_kv\":2", "\"n_params\":28320256", "\"quantization\":\"F16\"", "\"eos\":2", "\"add_bos\":false",
        "\"chat_template\":\"", "\"kv_bytes\":", "\"recurrent_bytes\":0"}) {
    EXPECT_TRUE(contains(probe, field)) << field << " in " << probe;
  }
}

TEST(EngineJsonApi, ProbeRefusalsCarryTheirCodes) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::string text = "this is not a model file at all, just text long enough";
  std::string probe = EngineJsonApi::probe_header(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                                  static_cast<double>(text.size()), 0);
  EXPECT_TRUE(contains(probe, "\"status\":\"error\"")) << probe;
  EXPECT_TRUE(contains(probe, "\"code\":\"not_gguf\"")) << probe;

  const std::vector<uint8_t> mamba = synthetic_header("mamba", GgmlType::F32);
  probe = EngineJsonApi::probe_header(mamba.data(), mamba.size(), static_cast<double>(mamba.size()), 0);
  EXPECT_TRUE(contains(probe, "\"code\":\"unsupported_architecture\"")) << probe;
  EXPECT_TRUE(contains(probe, "mamba")) << probe;

  const std::vector<uint8_t> int8 = synthetic_header("llama", GgmlType::I8);
  probe = EngineJsonApi::probe_header(int8.data(), int8.size(), static_cast<double>(int8.size()), 0);
  EXPECT_TRUE(contains(probe, "\"code\":\"unsupported_type\"")) << probe;
  EXPECT_TRUE(contains(probe, "token_embd.weight")) << probe;

#if defined(__EMSCRIPTEN__)
  // wasm32: a 4.5 GB file cannot fit, whatever its header says.
  const std::vector<uint8_t> file = read_file_bytes(shared_path("models/lexi-28m-f16.gguf"));
  probe = EngineJsonApi::probe_header(file.data(), 200000, 4.5e9, 512);
  EXPECT_TRUE(contains(probe, "\"code\":\"too_big\"")) << probe;
#endif
}

TEST(EngineJsonApi, LoadSampleAndStepAsJson) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  EngineJsonApi api;
  EXPECT_EQ(api.info(), R"({"ok":false,"code":"no_model","error":"no model is loaded"})");
  EXPECT_EQ(api.step(), R"({"ok":false,"code":"no_model","error":"no model is loaded"})");
  const std::vector<uint8_t> file = read_file_bytes(shared_path("models/lexi-28m-chat-f16.gguf"));
  uint8_t* buffer = api.allocate_model(file.size());
  ASSERT_NE(buffer, nullptr);
  std::memcpy(buffer, file.data(), file.size());
  EXPECT_TRUE(contains(api.load_model("{\"n_ctx\": \"big\"}"), "\"code\":\"bad_request\""));
  const std::string loaded = api.load_model(R"({"n_ctx": 128, "n_threads": 1})");
  ASSERT_TRUE(contains(loaded, "{\"ok\":true,\"info\":{\"architecture\":\"llama\"")) << loaded;
  EXPECT_TRUE(contains(loaded, "\"n_ctx\":128")) << loaded;

  EXPECT_EQ(api.set_sampler(R"({"top_p": 2})"),
            R"({"ok":false,"code":"bad_request","error":"top_p must be in (0, 1], got 2"})");
  EXPECT_EQ(api.set_sampler(R"({"temperature": 0, "seed": 7})"), R"({"ok":true,"seed":7})");
  const std::vector<int32_t> ids =
      api.tokenize("<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n", false, true);
  ASSERT_EQ(ids.size(), 13u);
  const std::string prompt = api.set_prompt(ids);
  EXPECT_TRUE(contains(prompt, R"({"ok":true,"n_past":13,"n_reused":0,"n_evaluated":13,"n_shifted":0,"ms":)"))
      << prompt;
  EXPECT_EQ(api.step(), R"({"ok":true,"token":35,"eog":false,"text":"A","n_past":14})");
  EXPECT_EQ(api.step(), R"({"ok":true,"token":2113,"eog":false,"text":" river","n_past":15})");
  EXPECT_EQ(api.token_piece(2), "<|im_end|>");
  EXPECT_EQ(api.detokenize({35, 2113}, false), "A river");

  EXPECT_TRUE(contains(api.set_prompt(std::vector<int32_t>(129, 35)), "\"code\":\"context_full\""));
  EXPECT_TRUE(contains(api.perplexity_begin("too short", 64), "\"code\":\"bad_request\""));
  api.free_model();
  EXPECT_TRUE(contains(api.info(), "no_model"));
}

}  // namespace
}  // namespace webgguf
