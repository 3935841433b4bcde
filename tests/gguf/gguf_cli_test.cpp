// `webgguf info` as a user runs it: exit 0 and the tables on a valid file; exit 1 and exactly
// one line on stderr on a broken one, never a signal. Native only (the CLI is not built to wasm).
#if !defined(__EMSCRIPTEN__) && defined(WEBGGUF_CLI_PATH)
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <fstream>

#include "gguf_corrupt_cases.h"
#include "gguf_test_files.h"

namespace webgguf {
namespace {

struct CliRun {
  int exit_code = -1;
  bool signalled = false;
  std::string out, err;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs the CLI with its stdout and stderr captured in `scratch`.
CliRun run_cli_in(const testing::ScratchDir& scratch, const std::string& args) {
  const std::string out = scratch.file("cli.out"), err = scratch.file("cli.err");
  const int status =
      std::system((std::string("'") + WEBGGUF_CLI_PATH + "' " + args + " >'" + out + "' 2>'" + err + "'").c_str());
  CliRun run;
  run.signalled = WIFSIGNALED(status);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.out = read_text(out);
  run.err = read_text(err);
  return run;
}

std::string write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return path;
}

size_t line_count(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream binary(WEBGGUF_CLI_PATH);
    ASSERT_TRUE(binary.good()) << WEBGGUF_CLI_PATH << " is not built: cmake --build <dir> --target webgguf";
  }
  CliRun run_cli(const std::string& args) const { return run_cli_in(scratch_, args); }
  std::string write_temp(const std::string& name, const std::vector<uint8_t>& bytes) const {
    return write_file(scratch_.file(name), bytes);
  }
  testing::ScratchDir scratch_;
};

TEST_F(CliTest, InfoPrintsMetadataAndTensorTable) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const CliRun run = run_cli("info '" + testing::shared_path("models/lexi-28m-f16.gguf") + "'");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  for (const char* expected : {
           "* Dumping 25 key/value pair(s)",
           "      7: UINT32     |        1 | llama.block_count = 8\n",
           "     16: [STRING]   |     4096 | tokenizer.ggml.tokens = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', "
           "'!', '\"', '#', ...]\n",
           "     23: BOOL       |        1 | tokenizer.ggml.add_bos_token = False\n",
           "* Dumping 75 tensor(s)",
           "      3:     262144 |   512,   512,     1,     1 | F16     |     524288 | blk.0.attn_q.weight\n",
       }) {
    EXPECT_NE(run.out.find(expected), std::string::npos) << expected;
  }
}

TEST_F(CliTest, BrokenFilesGiveOneLineAndExitCode1) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<uint8_t> model = testing::read_prefix(testing::shared_path("models/lexi-28m-f16.gguf"), 200000);
  const std::string data_cut = write_temp("lexi_data_cut.gguf", model);
  const std::string header_cut =
      write_temp("lexi_header_cut.gguf", std::vector<uint8_t>(model.begin(), model.begin() + 1000));
  const std::string not_gguf = write_temp("not_a.gguf", {'h', 'e', 'l', 'l', 'o', '\n'});
  const struct {
    std::string file, message;
  } cases[] = {
      {data_cut, "tensor 'token_embd.weight': data [offset 130624, 4194304 bytes] lies past end of file (size 200000)"},
      {header_cut, "past end of file (size 1000)"},
      {not_gguf, "bad magic 'hell' at offset 0, expected 'GGUF' (not a GGUF file)"},
      {scratch_.file("no_such_file.gguf"), "No such file or directory"},
      {scratch_.path(), "not a regular file"},
  };
  for (const auto& c : cases) {
    const CliRun run = run_cli("info '" + c.file + "'");
    EXPECT_FALSE(run.signalled) << c.file;
    EXPECT_EQ(run.exit_code, 1) << c.file;
    EXPECT_EQ(line_count(run.err), 1u) << run.err;
    EXPECT_EQ(run.err.rfind("webgguf: " + c.file + ": ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

// Every hostile-file kind of the reader's table, and the fuzzer's 668-byte header with
// general.alignment = 2^30: one line naming the problem, exit code 1.
TEST_F(CliTest, EveryHostileKindGivesItsSpecificError) {
  const testing::Layout layout = testing::small_file_layout();
  for (const testing::CorruptCase& c : testing::corrupt_cases()) {
    std::vector<uint8_t> bytes = layout.bytes;
    c.patch(layout, bytes);
    const CliRun run = run_cli("info '" + write_temp("hostile.gguf", bytes) + "'");
    EXPECT_FALSE(run.signalled) << c.name;
    EXPECT_EQ(run.exit_code, 1) << c.name;
    EXPECT_EQ(line_count(run.err), 1u) << c.name << ": " << run.err;
    EXPECT_NE(run.err.find(c.error_with_size(layout)), std::string::npos) << c.name << ": " << run.err;
  }
  const std::string header =
      std::string(WEBGGUF_SOURCE_DIR) + "/tests/fuzz_regressions/gguf_reader/oom-alignment-2e30-668-bytes.gguf";
  const CliRun run = run_cli("info '" + header + "'");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(
      run.err.find("key 'general.alignment' at offset 660: 1073741824 is larger than the largest supported alignment"),
      std::string::npos)
      << run.err;
}

TEST_F(CliTest, HelpListsCommandsAndUsageErrorsExit2) {
  const CliRun help = run_cli("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("  info       FILE"), std::string::npos) << help.out;
  EXPECT_EQ(run_cli("").exit_code, 2);
  EXPECT_EQ(run_cli("frobnicate").exit_code, 2);
  EXPECT_EQ(run_cli("info").exit_code, 2);
}

}  // namespace
}  // namespace webgguf
#endif
