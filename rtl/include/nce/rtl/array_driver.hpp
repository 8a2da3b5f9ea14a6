#pragma once
// Drives a mac_array through the protocol documented in rtl/mac_array.sv: loads weight tiles
// through the shadow chains, skews activation columns onto the rows, de-skews the psums at
// the bottom, and streams tiles back to back (the next tile's weights load while the current
// one streams).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "nce/rtl/array_model.hpp"
#include "nce/workloads/reference_model.hpp"

namespace nce::rtl {

// One pass of the array: Y (m x n) = W^T X with W the k x m weight tile and X the k x n
// activation columns, k <= rows and m <= cols (the rest of the array sees zeros).
struct GemmTile {
  int k = 0;
  int m = 0;
  int n = 0;
  std::vector<std::int8_t> weights;       // k x m, row-major: weights[r * m + c], codes in [-2, 1]
  std::vector<std::uint8_t> activations;  // k x n, row-major: activations[r * n + j], codes in [0, 3]
};

class ArrayDriver {
 public:
  // Throws InputError when the model's accumulator could wrap for a full-height reduction
  // (workloads::ref::accumulator_can_wrap): the RTL wraps silently, so the
  // driver is where a too-narrow accumulator is caught.
  explicit ArrayDriver(std::unique_ptr<ArrayModel> model);

  int rows() const { return model_->rows(); }
  int cols() const { return model_->cols(); }
  ArrayModel& model() { return *model_; }
  std::uint64_t cycles() const { return model_->cycles(); }

  // Streams the tiles back to back; returns each tile's m x n outputs, row-major
  // (out[c * n + j]). Throws InputError for a tile that does not fit the array, has an empty
  // dimension, mismatched data sizes or codes outside the 2-bit ranges.
  std::vector<std::vector<std::int32_t>> run(std::span<const GemmTile> tiles);

 private:
  std::unique_ptr<ArrayModel> model_;
};

// The reference outputs of a tile (m x n, row-major), one nce::workloads::ref::fully_connected per
// activation column: the golden model, not a second hand-written GEMM.
std::vector<std::int32_t> reference_outputs(const GemmTile& tile);

// Positions where `actual` differs from `expected` (a size difference counts every missing
// or extra element).
std::size_t count_mismatches(std::span<const std::int32_t> expected, std::span<const std::int32_t> actual);

// A whole GEMM, Y (m x n) = W^T X with W k x m, X k x n (row-major), cut into rows x cols
// tiles; partial sums of the k-tiles are accumulated in int32 by the driver, as the output
// buffer does (docs/ARCHITECTURE.md, "Number formats").
std::vector<std::int32_t> gemm_on_array(ArrayDriver& driver, int k, int m, int n, std::span<const std::int8_t> weights,
                                        std::span<const std::uint8_t> activations);

// A 2-bit convolution lowered by im2col (K = C_in*R*S, M = C_out, N = H_out*W_out) and run
// through gemm_on_array; equal to nce::workloads::ref::conv2d for groups == 1.
workloads::ref::FeatureMap conv2d_on_array(ArrayDriver& driver, const workloads::ref::FeatureMap& activations, const workloads::ref::Filters& weights,
                                workloads::ref::ConvGeometry geometry);

}  // namespace nce::rtl
