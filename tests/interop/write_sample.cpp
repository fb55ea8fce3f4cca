// Writes the state of Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) as a safetensors file, and a
// second one holding a fixed input and plexus' output for it, for read_safetensors.py to check
// that PyTorch loads the first into its own Sequential and computes the same.
#include <exception>
#include <iostream>
#include <plexus/plexus.hpp>

namespace px = plexus;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " MODEL.plx EXPECTED.plx\n";
    return 2;
  }
  try {
    px::nn::Sequential model{px::nn::Linear(3, 4, true, 1), px::nn::ReLU(),
                             px::nn::Linear(4, 2, true, 2)};
    px::io::save_safetensors(argv[1], model.state_dict(), {{"plexus.format_version", "1"}});
    const px::Tensor input = px::Tensor::randn({5, 3}, 3);
    const px::Tensor output = model.forward(input);
    px::io::save_safetensors(argv[2], {{"input", input}, {"output", output}}, {});
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
