// `plexus train`: the settings' flags from their table, and the flags of the run itself.
#include <memory>

#include "commands.hpp"
#include "settings_flags.hpp"

namespace plexus::cli {

Command add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train a network on a data set, test it, save it");
  auto flags = std::make_shared<TrainFlags>();
  auto settings = std::make_shared<SettingFlags>(*cmd);
  cmd->add_option("--resume", flags->resume,
                  "continue the run whose checkpoint is in this folder, with its settings; "
                  "--epochs counts all epochs");
  cmd->add_flag("--json", flags->json, "print the results as one JSON object on the last line");
  cmd->add_option("--config", flags->config,
                  "read settings from this JSON file (flags override it)");
  cmd->add_flag("--dump-config", flags->dump_config,
                "print the effective settings as JSON (for --config) and exit");
  cmd->add_flag("--quiet", flags->quiet, "no progress output");
  cmd->add_flag("--diagnostics", flags->diagnostics,
                "after each epoch, a table per layer: gradient norm, output mean and std, "
                "saturated sigmoid/tanh units, dead ReLUs (and their plots in --report)");
  cmd->add_flag("--distributed", flags->distributed,
                "data-parallel training: run as one of the processes of mpirun -np N; each "
                "takes its share of every batch, and the model is the one a single process "
                "trains (see docs/DISTRIBUTED.md)");
  cmd->add_flag("--local-batch-norm", flags->local_batch_norm,
                "with --distributed: batch norm statistics of each process's share of the batch "
                "(less communication; the model then depends on the number of processes)");
  cmd->footer(
      "Examples:\n"
      "  plexus train --data fashion-mnist --save fashion.plx\n"
      "  plexus train --data houses.csv --target price --ignore id --save houses.plx --json\n"
      "  plexus train --data x.npy --labels y.npy --hidden 64,64 --epochs 30\n"
      "  plexus train --config run.json --lr 0.01 --dump-config > run2.json\n"
      "  plexus train --data big.csv --epochs 200 --checkpoint run.ckpt --save big.plx\n"
      "  plexus train --resume run.ckpt            (after Ctrl-C or a crash: continue the run)\n"
      "  mpirun -np 4 plexus train --data big.csv --distributed --threads 1 --save big.plx\n\n"
      "Ctrl-C stops after the running step and leaves a checkpoint of the finished epochs (in\n"
      "--checkpoint DIR, else beside --save as MODEL.checkpoint, else in plexus-checkpoint);\n"
      "plexus train --resume DIR continues it to the same result as an uninterrupted run.\n"
      "With --distributed only rank 0 prints and writes files; a process that fails or dies\n"
      "ends the whole job with an error naming its rank (exit code 1, 2 for bad usage), and\n"
      "--resume continues from the last checkpoint with any number of processes.");
  return {cmd, [flags, settings] {
            const std::vector<std::string> given = settings->apply(flags->settings);
            return run_train(*flags, given);
          }};
}

}  // namespace plexus::cli
