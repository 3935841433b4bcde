// The architecture table is the one list of what webgguf runs: every row has a distinct name that
// parse_model_config finds, the unsupported-architecture error lists them all, and the README's
// "Supported models" table has a row for each (so the docs cannot fall behind the code).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "model/architectures.h"
#include "model/model_config.h"
#include "test_paths.h"

namespace webgguf {
namespace {

TEST(ArchitectureTable, NamesAreDistinctAndFound) {
  std::set<std::string> names;
  for (const ArchitectureTraits* a = architectures_begin(); a != architectures_end(); ++a) {
    EXPECT_TRUE(names.insert(a->name).second) << a->name;
    EXPECT_EQ(find_architecture(a->name), a);
  }
  EXPECT_EQ(find_architecture("mamba"), nullptr);
  EXPECT_EQ(names.size(), 11u);
}

TEST(ArchitectureTable, TheRefusalListsEverySupportedName) {
  GgufFile file;
  file.metadata.emplace_back("general.architecture", GgufValue::of_string("rwkv7"));
  file.reindex();
  const Result<ModelConfig> config = parse_model_config(file);
  ASSERT_FALSE(config.is_ok());
  const std::string message = config.status().message();
  EXPECT_NE(message.find("unsupported model architecture 'rwkv7'"), std::string::npos) << message;
  for (const ArchitectureTraits* a = architectures_begin(); a != architectures_end(); ++a) {
    EXPECT_NE(message.find(a->name), std::string::npos) << a->name;
  }
}

TEST(ArchitectureTable, TheReadmeListsEveryArchitecture) {
  std::ifstream in(testing::source_path("README.md"));
  std::stringstream readme;
  readme << in.rdbuf();
  const std::string text = readme.str();
  const size_t section = text.find("## Supported models");
  ASSERT_NE(section, std::string::npos) << "README.md has no 'Supported models' section";
  const std::string table = text.substr(section, text.find("\n## ", section + 1) - section);
  for (const ArchitectureTraits* a = architectures_begin(); a != architectures_end(); ++a) {
    EXPECT_NE(table.find("| `" + std::string(a->name) + "` |"), std::string::npos)
        << "README's Supported models table has no row for " << a->name;
  }
}

}  // namespace
}  // namespace webgguf
