#pragma once
// The integer pipeline against the engine's fake-quant forward, image by image and layer by
// layer (docs/INFER.md section 4): the activation codes every quantized layer reads, the conv
// outputs (while a layer's input codes still agree they must be equal up to the float rounding
// of the engine's GEMM, within a stated bound), the logits and the top-1 class; and, where they
// differ, the cause.
#include <cstdint>
#include <string>
#include <vector>

#include "nce/infer/integer_network.hpp"
#include "nce/train/network.hpp"

namespace nce::infer {

struct LayerComparison {
  std::int64_t code_differences = 0;  // input codes that differ from the engine's (quantized layers)
  std::int32_t max_code_difference = 0;
  std::int64_t first_difference = -1;  // its position in the layer's input
  double engine_code_value = 0.0;      // there: the engine's clamp(x, 0, alpha) * to_code before rounding
  std::int32_t engine_code = 0;
  std::int32_t array_code = 0;
  bool conv_checked = false;   // the input codes all agree, so the conv outputs were compared
  double conv_error_units = 0.0;      // max |array - engine| over the layer's outputs, in units of one code step
  double conv_tolerance_units = 0.0;  // the float-rounding bound for this layer (docs/INFER.md section 4.2)
  bool conv_within_tolerance = true;
};

struct ImageComparison {
  int index = 0;  // in the test set
  int label = 0;
  int engine_top1 = 0;
  int array_top1 = 0;
  bool agree = true;
  double engine_margin = 0.0;       // engine's top-1 logit minus its runner-up
  double max_logit_error = 0.0;
  std::vector<double> logit_errors;  // |array - engine| per logit
  std::vector<LayerComparison> layers;  // per IntegerNetwork::layers()
  int first_code_layer = -1;  // first weighted layer whose input codes differ (index into layers)
  int first_conv_layer = -1;  // first weighted layer whose conv output is beyond the rounding bound
  std::string cause;  // one line when anything differs (codes, conv outputs or top-1); empty otherwise
};

// `network` has just run the batch holding the image at `batch_index` (eval mode); `run` is the
// integer pipeline's run of the same image.
ImageComparison compare_with_engine(train::Network& network, int batch_index, const IntegerNetwork& integer,
                                    const ImageRun& run, int dataset_index, int label);

// The engine's top-1 (first maximum, as both sides use).
int top1(const float* logits, int count);

}  // namespace nce::infer
