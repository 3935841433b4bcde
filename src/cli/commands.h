// The subcommands of the native `webgguf` tool. Each takes its own argv: argv[0] is the
// command's name, then its arguments. Returns the process exit code (0 ok, 1 failure, 2 usage).
// Adding a command: declare its function here and add one line to kCommands.
#pragma once

namespace webgguf {

int command_info(int argc, char** argv);
int command_synth(int argc, char** argv);
int command_run(int argc, char** argv);
int command_tokenize(int argc, char** argv);
int command_perplexity(int argc, char** argv);
int command_imatrix(int argc, char** argv);
int command_quantize(int argc, char** argv);
int command_kl_divergence(int argc, char** argv);
int command_logits(int argc, char** argv);

struct Command {
  const char* name;
  const char* arguments;  // shown in --help after the name
  const char* summary;
  int (*run)(int argc, char** argv);
};

inline constexpr Command kCommands[] = {
    {"info", "FILE", "print a GGUF file's metadata and tensor table (like gguf-dump)", command_info},
    {"synth", "OUT --shape NAME ...", "write a random-weight llama model with a real model's shape", command_synth},
    {"run", "MODEL -p PROMPT ...", "continue a prompt (-n N, --temp T, --seed S, -c CTX, -t THREADS)", command_run},
    {"tokenize", "MODEL -f FILE", "print the token ids of a file's text on one line", command_tokenize},
    {"perplexity", "MODEL -f FILE -c CTX", "perplexity as llama-perplexity computes it", command_perplexity},
    {"imatrix", "MODEL -f TEXT -o OUT", "importance matrix as llama-imatrix collects it (--chunks N, -c CTX)",
     command_imatrix},
    {"quantize", "IN OUT PRESET [-t N] [--pure]", "quantize F32/F16/BF16 to a llama-quantize preset (Q4_K_M...)",
     command_quantize},
    {"kl-divergence", "BASE MODEL -f FILE", "KL divergence and top-1 agreement against a base model (-c, --chunks)",
     command_kl_divergence},
    {"logits", "MODEL -f FILE -o OUT", "write every position's logits (f32) of a text in windows (-c, -n)",
     command_logits},
};

}  // namespace webgguf
