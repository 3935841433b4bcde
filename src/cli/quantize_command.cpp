// `webgguf quantize IN OUT PRESET [-t THREADS] [--pure] [--imatrix FILE [--include-weights NAME]...
// [--exclude-weights NAME]...] [--output-tensor-type TYPE] [--token-embedding-type TYPE]`: writes
// the file llama.cpp's llama-quantize writes for the same preset and options, streaming from IN
// to OUT. The imatrix (GGUF or legacy .dat) path is written into the file as given, as
// llama-quantize writes it.
// With --pure (llama-quantize's flag) every weight matrix gets the preset's one type: Q4_K, Q5_K
// and Q3_K name the _M presets as in llama-quantize, so `Q4_K --pure` is all Q4_K.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "quantizer/quantize_model.h"

namespace webgguf {
namespace {

int usage() {
  std::fprintf(stderr,
               "usage: webgguf quantize IN.gguf OUT.gguf PRESET [-t THREADS] [--pure] [--imatrix FILE]\n"
               "       [--include-weights NAME]... [--exclude-weights NAME]... [--output-tensor-type TYPE]\n"
               "       [--token-embedding-type TYPE]\npresets: %s\n",
               quant_preset_names().c_str());
  return 2;
}

bool parse_type_option(const char* option, const char* value, GgmlType* type) {
  if (parse_ggml_type_name(value, type)) return true;
  std::fprintf(stderr, "%s: unknown ggml type '%s' (e.g. q8_0, q6_K, f16)\n", option, value);
  return false;
}

bool read_binary_file(const std::string& path, std::vector<uint8_t>* bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  bytes->resize(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  return static_cast<bool>(in);
}

}  // namespace

int command_quantize(int argc, char** argv) {
  if (argc < 4) return usage();
  const std::string in_path = argv[1];
  const std::string out_path = argv[2];
  const QuantPreset* preset = find_quant_preset(argv[3]);
  if (preset == nullptr) {
    std::fprintf(stderr, "unknown preset '%s'\npresets: %s\n", argv[3], quant_preset_names().c_str());
    return 2;
  }
  QuantizeOptions options;
  options.n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  QuantizationChoices& choices = options.choices;
  std::vector<std::string> include, exclude;
  for (int i = 4; i < argc; ++i) {
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(argv[i], "-t") == 0 && value) {
      options.n_threads = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--pure") == 0) {
      choices.pure = true;
    } else if (std::strcmp(argv[i], "--imatrix") == 0 && value) {
      choices.imatrix_file = argv[++i];
    } else if (std::strcmp(argv[i], "--include-weights") == 0 && value) {
      include.emplace_back(argv[++i]);
    } else if (std::strcmp(argv[i], "--exclude-weights") == 0 && value) {
      exclude.emplace_back(argv[++i]);
    } else if (std::strcmp(argv[i], "--output-tensor-type") == 0 && value) {
      if (!parse_type_option(argv[i], argv[i + 1], &choices.output_tensor_type)) return 2;
      ++i;
    } else if (std::strcmp(argv[i], "--token-embedding-type") == 0 && value) {
      if (!parse_type_option(argv[i], argv[i + 1], &choices.token_embedding_type)) return 2;
      ++i;
    } else {
      return usage();
    }
  }
  QuantizationWeights importance;
  if (!choices.imatrix_file.empty()) {
    std::vector<uint8_t> bytes;
    if (!read_binary_file(choices.imatrix_file, &bytes)) {
      std::fprintf(stderr, "cannot read imatrix %s\n", choices.imatrix_file.c_str());
      return 1;
    }
    Result<ImportanceMatrix> matrix = parse_importance_matrix(bytes.data(), bytes.size());
    Result<QuantizationWeights> weights =
        matrix.is_ok() ? quantization_weights(matrix.value(), include, exclude) : matrix.status();
    if (!weights.is_ok()) {
      std::fprintf(stderr, "%s: %s\n", choices.imatrix_file.c_str(), weights.status().message().c_str());
      return 1;
    }
    importance = weights.take();
    choices.importance = &importance;
  } else if (!include.empty() || !exclude.empty()) {
    std::fprintf(stderr, "--include-weights and --exclude-weights need --imatrix\n");
    return 2;
  }

  std::ifstream in(in_path, std::ios::binary | std::ios::ate);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", in_path.c_str());
    return 1;
  }
  const uint64_t in_size = static_cast<uint64_t>(in.tellg());
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::fprintf(stderr, "cannot create %s\n", out_path.c_str());
    return 1;
  }
  const ReadInputFn read = [&](uint64_t offset, uint64_t size, uint8_t* dst) -> Status {
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(size));
    if (!in)
      return Status::error(format("%s: read failed at offset %llu", in_path.c_str(), (unsigned long long)offset));
    return Status::ok();
  };
  const WriteOutputFn write = [&](const uint8_t* data, size_t size) -> Status {
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return out ? Status::ok() : Status::error(format("%s: write failed (disk full?)", out_path.c_str()));
  };
  size_t last_reported = 0;
  options.on_progress = [&](const QuantizeProgress& p) {
    if (p.tensors_done == last_reported) return;
    last_reported = p.tensors_done;
    std::fprintf(stderr, "\r[%zu/%zu] %.1f MiB", p.tensors_done, p.tensor_count, p.bytes_written / 1048576.0);
  };

  const auto start = std::chrono::steady_clock::now();
  const Status status = quantize_model(read, in_size, *preset, write, options);
  out.close();
  std::fprintf(stderr, "\n");
  if (!status.is_ok()) {
    std::fprintf(stderr, "quantize failed: %s\n", status.message().c_str());
    std::remove(out_path.c_str());  // a partial file would look like a model
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream written(out_path, std::ios::binary | std::ios::ate);
  const double out_mib = static_cast<double>(written.tellg()) / 1048576.0;
  std::printf("%s: %.2f MiB -> %.2f MiB (%s%s, %.1f%%) in %.2f s with %d threads\n", out_path.c_str(),
              in_size / 1048576.0, out_mib, choices.pure ? "pure " : "",
              choices.pure ? ggml_type_name(preset->default_type) : preset->name, 100.0 * out_mib * 1048576.0 / in_size,
              seconds, options.n_threads);
  return 0;
}

}  // namespace webgguf
