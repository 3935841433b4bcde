// Where tests find their fixtures. Named as under ../shared ("fixtures/quants/q4_0.bin",
// "models/lexi-28m-f16.gguf"):
//   fixtures/quants, fixtures/chat-templates  vendored in tests/fixtures/
//   fixtures/tokenizers  llama.cpp's own vocab files and vectors, in its source checkout
//     build/llama.cpp/models/ (scripts/setup.sh clones it from node-llama-cpp's bundle)
//   everything else (the 28M models, their references, data/eval.txt)  in the fixtures folder:
//     $WEBGGUF_FIXTURES when set, else ../shared beside the repository.
// A clone without that folder skips the tests that need it (WEBGGUF_NEEDS_FIXTURE_MODELS) and says
// so in one line; a folder that exists but lacks a file fails the tests that read it.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace webgguf::testing {

inline std::string source_path(const std::string& relative) {
  return std::string(WEBGGUF_SOURCE_DIR) + "/" + relative;
}

// $WEBGGUF_FIXTURES (relative to the current directory when not absolute), else ../shared.
inline std::string fixtures_dir() {
  const char* configured = std::getenv("WEBGGUF_FIXTURES");
  if (configured && *configured) return std::filesystem::absolute(configured).lexically_normal().string();
  return std::filesystem::path(WEBGGUF_SOURCE_DIR).parent_path().append("shared").string();
}

// True when the fixtures folder exists, or when WEBGGUF_FIXTURES names one (a wrong name fails).
inline bool fixture_models_present() {
  const char* configured = std::getenv("WEBGGUF_FIXTURES");
  return (configured && *configured) || std::filesystem::is_directory(fixtures_dir());
}

inline std::string shared_path(const std::string& relative) {
  const std::string tokenizers = "fixtures/tokenizers/";
  if (relative.rfind(tokenizers, 0) == 0)
    return source_path("build/llama.cpp/models/" + relative.substr(tokenizers.size()));
  for (const char* vendored : {"fixtures/quants", "fixtures/chat-templates"}) {
    if (relative.rfind(vendored, 0) == 0) return source_path("tests/" + relative);
  }
  return fixtures_dir() + "/" + relative;
}

// Whole file as bytes; empty when it cannot be read (tests assert on the size).
inline std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A folder of its own under the system's temporary folder, removed with its contents at the end
// of the scope: tests write only here.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "webgguf-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "cannot create a folder like " << pattern;
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Counts the tests skipped for want of the fixture models and prints the count once, after the
// last test of the binary.
class FixtureModelSkips : public ::testing::Environment {
 public:
  static int& count() {
    static int n = 0;
    return n;
  }
  void TearDown() override {
    if (count() > 0) std::printf("%d tests need the fixture models: set WEBGGUF_FIXTURES\n", count());
  }
};
inline ::testing::Environment* const kFixtureModelSkips = ::testing::AddGlobalTestEnvironment(new FixtureModelSkips);

// Marks the test in the JSON report (scripts/fixture_skips.mjs counts these) and in the count.
inline const char* skip_for_fixture_models() {
  ++FixtureModelSkips::count();
  ::testing::Test::RecordProperty("needs_fixture_models", "true");
  return "needs the fixture models: set WEBGGUF_FIXTURES";
}

}  // namespace webgguf::testing

// First line of a test that reads the 28M models, their reference outputs or data/eval.txt.
#define WEBGGUF_NEEDS_FIXTURE_MODELS()                             \
  if (!::webgguf::testing::fixture_models_present()) {             \
    GTEST_SKIP() << ::webgguf::testing::skip_for_fixture_models(); \
  }
