#include <gtest/gtest.h>

#include <cmath>

#include "engine/json.h"

namespace webgguf {
namespace {

TEST(JsonObject, ReadsScalarsArraysAndEscapes) {
  Result<JsonObject> parsed = JsonObject::parse(
      R"({"temperature": 0.5, "top_k": 40, "greedy": true, "stop": ["\n\n", "A\u00e9\ud83d\ude00"], "seed": null})");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const JsonObject& o = parsed.value();
  double t = 0;
  int64_t k = 0, seed = -7;
  bool greedy = false;
  std::vector<std::string> stop;
  EXPECT_TRUE(o.read_number("temperature", &t).is_ok());
  EXPECT_TRUE(o.read_int("top_k", &k).is_ok());
  EXPECT_TRUE(o.read_bool("greedy", &greedy).is_ok());
  EXPECT_TRUE(o.read_string_array("stop", &stop).is_ok());
  EXPECT_TRUE(o.read_int("seed", &seed).is_ok());  // null keeps the default
  EXPECT_EQ(t, 0.5);
  EXPECT_EQ(k, 40);
  EXPECT_TRUE(greedy);
  EXPECT_EQ(seed, -7);
  EXPECT_EQ(stop, (std::vector<std::string>{"\n\n", "A\xC3\xA9\xF0\x9F\x98\x80"}));
}

TEST(JsonObject, WrongTypesAndBadSyntaxAreErrors) {
  Result<JsonObject> parsed = JsonObject::parse(R"({"top_k": 1.5, "temperature": "hot"})");
  ASSERT_TRUE(parsed.is_ok());
  int64_t k = 0;
  double t = 0;
  EXPECT_EQ(parsed.value().read_int("top_k", &k).message(), "top_k must be an integer");
  EXPECT_EQ(parsed.value().read_number("temperature", &t).message(), "temperature must be a number");
  EXPECT_FALSE(JsonObject::parse("{\"a\": 1").is_ok());
  EXPECT_FALSE(JsonObject::parse("{\"a\": {\"b\": 1}}").is_ok());
  EXPECT_FALSE(JsonObject::parse("[1]").is_ok());
  EXPECT_FALSE(JsonObject::parse("{} x").is_ok());
  EXPECT_TRUE(JsonObject::parse(" { } ").is_ok());
}

TEST(JsonWriter, WritesNestedObjectsAndEscapes) {
  JsonWriter w;
  w.begin_object()
      .field("ok", true)
      .field("text", std::string("a\"b\\c\n\x01"))
      .begin_object("memory")
      .field("kv_bytes", static_cast<uint64_t>(1) << 40)
      .end_object()
      .field("ppl", 41.5)
      .field("nan", std::nan(""))
      .field("n", -3)
      .end_object();
  EXPECT_EQ(w.text(),
            R"({"ok":true,"text":"a\"b\\c\n\u0001","memory":{"kv_bytes":1099511627776},"ppl":41.5,"nan":null,"n":-3})");
}

}  // namespace
}  // namespace webgguf
