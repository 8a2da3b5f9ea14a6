// Weight-stationary (ws) in the SystemC array: the fold's weights are held, the step's pixels
// stream (sim/TIMING.md, "Stationary-operand step"), following rtl/mac_array.sv's protocol.
//
// RTL mode (--pe-model rtl): the same fold timeline drives rtl/mac_array.sv's ports cycle by
// cycle (protocol in its header): w_shift with the bottom weight row first, w_commit[r] and the
// skewed activations of row r from t0 + r, bubbles as zero columns. psum_o[c] holds column c of
// pixel j during cycle t0 + j*beats + R + c; it is captured then and written to the output buffer
// at the same cycle the behavioural model writes it, so outputs and every count must agree.
#include <algorithm>
#include <memory>

#include "nce/rtl/array_model.hpp"
#include "stationary_array.hpp"

namespace nce::sim {
namespace {

class WeightStationaryArray final : public StationaryArray {
 public:
  WeightStationaryArray() : StationaryArray(/*weights_held=*/true) {}

  void start(SystolicArray& array) override {
    StationaryArray::start(array);
    rtl_mode_ = array.job->rtl;
    if (!rtl_mode_) return;
    const int rows = array.schedule().rows, cols = array.schedule().cols;
    // simulate_layer checked that this size was verilated.
    if (!rtl_ || rtl_->rows() != rows || rtl_->cols() != cols) rtl_ = rtl::make_verilated_array(rows, cols);
    rtl_sums_.assign(folds_.size(), {});
    weights_.assign(std::size_t(cols), 0);
    commits_.assign(std::size_t(rows), 0);
    activations_.assign(std::size_t(rows), 0);
    psums_.assign(std::size_t(cols), 0);
  }

 private:
  const std::int32_t* line(SystolicArray& array, std::size_t i, std::int64_t j) override {
    if (!rtl_mode_) return StationaryArray::line(array, i, j);
    const FoldTiming& f = folds_[i];
    line_.assign(rtl_sums_[i].begin() + j * f.width, rtl_sums_[i].begin() + (j + 1) * f.width);
    if (j + 1 == f.length) std::vector<std::int32_t>().swap(rtl_sums_[i]);
    return line_.data();
  }

  void clock(SystolicArray& array, std::int64_t c) override {
    if (!rtl_mode_) return;
    const cost_models::LayerSchedule& s = array.schedule();
    const int rows = s.rows;
    const std::int64_t k_total = s.gemm.k;
    bool shift = false;
    std::fill(weights_.begin(), weights_.end(), 0);
    if (loading_ < folds_.size()) {
      const FoldTiming& f = folds_[loading_];
      if (c >= f.load && (c - f.load) % f.load_beats == 0) {
        shift = true;
        const int row = rows - 1 - static_cast<int>((c - f.load) / f.load_beats);
        if (row < f.fold.k_size) {
          const std::int8_t* w = array.weight_plane(f.fold);
          for (int col = 0; col < f.fold.m_size; ++col) {
            weights_[std::size_t(col)] = w[std::size_t(f.fold.m0 + col) * k_total + f.fold.k0 + row];
          }
        }
      }
    }
    std::fill(commits_.begin(), commits_.end(), 0);
    std::fill(activations_.begin(), activations_.end(), 0);
    const std::size_t last = std::min(folds_.size() - 1, streaming_ + 1);
    for (std::size_t i = output_fold_; i <= last; ++i) {
      const FoldTiming& f = folds_[i];
      for (int r = 0; r < rows; ++r) {
        const std::int64_t q = c - r - f.t0;
        if (q == 0) commits_[std::size_t(r)] = 1;
        if (q < 0 || q >= f.length * f.beats || q % f.beats != 0 || r >= f.fold.k_size) continue;
        activations_[std::size_t(r)] = static_cast<std::uint8_t>(array.activation_digit(f.fold, q / f.beats, f.fold.k0 + r));
      }
    }
    rtl_->cycle(shift, weights_, commits_, activations_);
    rtl_->read_psums(psums_);  // what psum_o holds during cycle c + 1
    for (std::size_t i = output_fold_; i <= last; ++i) {
      const FoldTiming& f = folds_[i];
      for (int col = 0; col < f.fold.m_size; ++col) {
        const std::int64_t q = c + 1 - f.t0 - rows - col;
        if (q < 0 || q >= f.length * f.beats || q % f.beats != 0) continue;
        if (rtl_sums_[i].empty()) rtl_sums_[i].assign(std::size_t(f.length * f.width), 0);
        rtl_sums_[i][std::size_t(q / f.beats * f.width + col)] = psums_[std::size_t(col)];
      }
    }
  }

  bool rtl_mode_ = false;
  std::unique_ptr<rtl::ArrayModel> rtl_;
  std::vector<std::vector<std::int32_t>> rtl_sums_;  // per fold [pixel][column], captured from psum_o
  std::vector<std::int8_t> weights_;
  std::vector<std::uint8_t> commits_, activations_;
  std::vector<std::int32_t> psums_;
  std::vector<std::int32_t> line_;
};

const bool registered =
    ArrayDataflowRegistry::add("ws", "weight-stationary", [] { return std::make_unique<WeightStationaryArray>(); });

}  // namespace
}  // namespace nce::sim
