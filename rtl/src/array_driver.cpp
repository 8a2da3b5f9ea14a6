#include "nce/rtl/array_driver.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nce/core/input_error.hpp"

namespace nce::rtl {
namespace {

void check_tile(const GemmTile& tile, std::size_t index, int rows, int cols) {
  if (tile.k < 1 || tile.m < 1 || tile.n < 1) {
    throw core::InputError(fmt::format("tile {}: empty shape k={} m={} n={}", index, tile.k, tile.m, tile.n));
  }
  if (tile.k > rows || tile.m > cols) {
    throw core::InputError(fmt::format("tile {}: {}x{} weights do not fit a {}x{} array", index, tile.k, tile.m, rows, cols));
  }
  if (tile.weights.size() != std::size_t(tile.k) * tile.m ||
      tile.activations.size() != std::size_t(tile.k) * tile.n) {
    throw core::InputError(fmt::format("tile {}: data sizes do not match k={} m={} n={}", index, tile.k, tile.m, tile.n));
  }
  for (const std::int8_t w : tile.weights) {
    if (w < -2 || w > 1) throw core::InputError(fmt::format("tile {}: weight code {} outside [-2, 1]", index, w));
  }
  for (const std::uint8_t a : tile.activations) {
    if (a > 3) throw core::InputError(fmt::format("tile {}: activation code {} outside [0, 3]", index, a));
  }
}

}  // namespace

ArrayDriver::ArrayDriver(std::unique_ptr<ArrayModel> model) : model_(std::move(model)) {
  const int acc = model_->acc_width();
  if (workloads::ref::accumulator_can_wrap(model_->rows(), acc)) {
    throw core::InputError(fmt::format("a {}-bit accumulator can wrap on a {}-deep reduction (needs |sum| <= {} * {} = {} "
                                       "<= 2^{})",
                                       acc, model_->rows(), workloads::ref::kMaxDigitProduct, model_->rows(),
                                       workloads::ref::kMaxDigitProduct * model_->rows(), acc - 1));
  }
}

std::vector<std::vector<std::int32_t>> ArrayDriver::run(std::span<const GemmTile> tiles) {
  const int rows = model_->rows();
  const int cols = model_->cols();
  const std::size_t count = tiles.size();
  for (std::size_t i = 0; i < count; ++i) check_tile(tiles[i], i, rows, cols);

  // Schedule (rtl/mac_array.sv, "Protocol"), in cycles relative to the start of this run:
  // tile i's weights shift in during [load[i], load[i] + rows) and its first activation
  // enters row 0 in cycle start[i]. A load may begin once the previous tile's commit marker
  // has reached the bottom-right PE (start + rows + cols - 2), and a stream once its load is
  // done and the previous stream has left row 0.
  std::vector<std::int64_t> load(count), start(count);
  for (std::size_t i = 0; i < count; ++i) {
    load[i] = i == 0 ? 0 : start[i - 1] + rows + cols - 2;
    start[i] = load[i] + rows;
    if (i > 0) start[i] = std::max(start[i], start[i - 1] + tiles[i - 1].n);
  }
  // The last output leaves column cols-1 at the end of cycle start + n - 1 + rows - 1 + cols - 1.
  const std::int64_t end = count == 0 ? 0 : start[count - 1] + tiles[count - 1].n + rows + cols - 2;

  std::vector<std::vector<std::int32_t>> outputs(count);
  for (std::size_t i = 0; i < count; ++i) outputs[i].assign(std::size_t(tiles[i].m) * tiles[i].n, 0);

  std::vector<std::int8_t> weights(std::size_t(cols), 0);
  std::vector<std::uint8_t> commits(std::size_t(rows), 0);
  std::vector<std::uint8_t> activations(std::size_t(rows), 0);
  std::vector<std::int32_t> psums(std::size_t(cols), 0);
  // Which tile each row streams and each column drains; both only move forward.
  std::vector<std::size_t> row_tile(std::size_t(rows), 0);
  std::vector<std::size_t> col_tile(std::size_t(cols), 0);
  std::size_t load_tile = 0;

  for (std::int64_t t = 0; t < end; ++t) {
    while (load_tile < count && t >= load[load_tile] + rows) ++load_tile;
    const bool shift = load_tile < count && t >= load[load_tile];
    if (shift) {
      // The bottom row's weights enter first: after `rows` shifts row r holds what entered r-th from last.
      const GemmTile& tile = tiles[load_tile];
      const int r = rows - 1 - static_cast<int>(t - load[load_tile]);
      for (int c = 0; c < cols; ++c) {
        weights[std::size_t(c)] = (r < tile.k && c < tile.m) ? tile.weights[std::size_t(r) * tile.m + c] : 0;
      }
    }

    for (int r = 0; r < rows; ++r) {
      std::size_t& i = row_tile[std::size_t(r)];
      while (i < count && t >= start[i] + r + tiles[i].n) ++i;
      std::uint8_t a = 0;
      std::uint8_t commit = 0;
      if (i < count && t >= start[i] + r) {
        const GemmTile& tile = tiles[i];
        const std::int64_t j = t - start[i] - r;
        commit = j == 0;
        if (r < tile.k) a = tile.activations[std::size_t(r) * tile.n + std::size_t(j)];
      }
      activations[std::size_t(r)] = a;
      commits[std::size_t(r)] = commit;
    }

    model_->cycle(shift, weights, commits, activations);
    model_->read_psums(psums);

    // Column c registers Y[c][j] of the tile at the end of cycle start + rows - 1 + c + j.
    for (int c = 0; c < cols; ++c) {
      std::size_t& i = col_tile[std::size_t(c)];
      while (i < count && t >= start[i] + rows - 1 + c + tiles[i].n) ++i;
      if (i < count && t >= start[i] + rows - 1 + c && c < tiles[i].m) {
        const std::int64_t j = t - (start[i] + rows - 1 + c);
        outputs[i][std::size_t(c) * tiles[i].n + std::size_t(j)] = psums[std::size_t(c)];
      }
    }
  }
  return outputs;
}

std::vector<std::int32_t> reference_outputs(const GemmTile& tile) {
  // Each activation column is an FC layer: out[c] = sum_r w[c][r] * a[r].
  workloads::ref::Filters filters(tile.m, tile.k, 1, 1);
  for (int r = 0; r < tile.k; ++r) {
    for (int c = 0; c < tile.m; ++c) filters.at(c, r, 0, 0) = tile.weights[std::size_t(r) * tile.m + c];
  }
  std::vector<std::int32_t> out(std::size_t(tile.m) * tile.n);
  workloads::ref::FeatureMap column(tile.k, 1, 1);
  for (int j = 0; j < tile.n; ++j) {
    for (int r = 0; r < tile.k; ++r) column.at(r, 0, 0) = tile.activations[std::size_t(r) * tile.n + j];
    const std::vector<std::int32_t> y = workloads::ref::fully_connected(column, filters);
    for (int c = 0; c < tile.m; ++c) out[std::size_t(c) * tile.n + j] = y[std::size_t(c)];
  }
  return out;
}

std::size_t count_mismatches(std::span<const std::int32_t> expected, std::span<const std::int32_t> actual) {
  const std::size_t common = std::min(expected.size(), actual.size());
  std::size_t mismatches = std::max(expected.size(), actual.size()) - common;
  for (std::size_t i = 0; i < common; ++i) mismatches += expected[i] != actual[i] ? 1 : 0;
  return mismatches;
}

std::vector<std::int32_t> gemm_on_array(ArrayDriver& driver, int k, int m, int n, std::span<const std::int8_t> weights,
                                        std::span<const std::uint8_t> activations) {
  if (k < 1 || m < 1 || n < 1) throw core::InputError(fmt::format("GEMM with an empty dimension k={} m={} n={}", k, m, n));
  if (weights.size() != std::size_t(k) * m || activations.size() != std::size_t(k) * n) {
    throw core::InputError(fmt::format("GEMM data sizes do not match k={} m={} n={}", k, m, n));
  }
  const int rows = driver.rows();
  const int cols = driver.cols();
  // Weight-stationary order: one tile per (k-block, m-block), each streaming all n columns.
  std::vector<GemmTile> tiles;
  std::vector<std::pair<int, int>> origin;  // (k0, m0) of each tile
  for (int m0 = 0; m0 < m; m0 += cols) {
    for (int k0 = 0; k0 < k; k0 += rows) {
      GemmTile tile;
      tile.k = std::min(rows, k - k0);
      tile.m = std::min(cols, m - m0);
      tile.n = n;
      tile.weights.resize(std::size_t(tile.k) * tile.m);
      for (int r = 0; r < tile.k; ++r) {
        for (int c = 0; c < tile.m; ++c) {
          tile.weights[std::size_t(r) * tile.m + c] = weights[std::size_t(k0 + r) * m + (m0 + c)];
        }
      }
      tile.activations.assign(activations.begin() + std::ptrdiff_t(std::size_t(k0) * n),
                              activations.begin() + std::ptrdiff_t(std::size_t(k0 + tile.k) * n));
      tiles.push_back(std::move(tile));
      origin.emplace_back(k0, m0);
    }
  }
  const std::vector<std::vector<std::int32_t>> partial = driver.run(tiles);
  // The output buffer's int32 accumulation across k-tiles.
  std::vector<std::int32_t> out(std::size_t(m) * n, 0);
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const int m0 = origin[i].second;
    for (int c = 0; c < tiles[i].m; ++c) {
      for (int j = 0; j < n; ++j) out[std::size_t(m0 + c) * n + j] += partial[i][std::size_t(c) * n + j];
    }
  }
  return out;
}

workloads::ref::FeatureMap conv2d_on_array(ArrayDriver& driver, const workloads::ref::FeatureMap& activations, const workloads::ref::Filters& weights,
                                workloads::ref::ConvGeometry geometry) {
  if (geometry.groups != 1) throw core::InputError("conv2d_on_array lowers groups == 1 only");
  if (weights.in_channels != activations.channels) {
    throw core::InputError(fmt::format("filters expect {} input channels, the map has {}", weights.in_channels,
                                 activations.channels));
  }
  workloads::ref::check_activation_codes(activations, 2);
  workloads::ref::check_weight_codes(weights, 2);
  const int out_h = (activations.height + 2 * geometry.padding - weights.height) / geometry.stride + 1;
  const int out_w = (activations.width + 2 * geometry.padding - weights.width) / geometry.stride + 1;
  if (out_h < 1 || out_w < 1) throw core::InputError("convolution output is empty");
  const int k = weights.in_channels * weights.height * weights.width;
  const int m = weights.out_channels;
  const int n = out_h * out_w;
  // im2col: reduction index (c, r, s) in the filters' order, column index (y, x).
  std::vector<std::int8_t> w(std::size_t(k) * m);
  std::vector<std::uint8_t> cols(std::size_t(k) * n, 0);
  for (int c = 0; c < weights.in_channels; ++c) {
    for (int r = 0; r < weights.height; ++r) {
      for (int s = 0; s < weights.width; ++s) {
        const int kk = (c * weights.height + r) * weights.width + s;
        for (int mm = 0; mm < m; ++mm) w[std::size_t(kk) * m + mm] = static_cast<std::int8_t>(weights.at(mm, c, r, s));
        for (int y = 0; y < out_h; ++y) {
          for (int x = 0; x < out_w; ++x) {
            const int iy = y * geometry.stride + r - geometry.padding;
            const int ix = x * geometry.stride + s - geometry.padding;
            if (iy < 0 || iy >= activations.height || ix < 0 || ix >= activations.width) continue;
            cols[std::size_t(kk) * n + std::size_t(y) * out_w + x] =
                static_cast<std::uint8_t>(activations.at(c, iy, ix));
          }
        }
      }
    }
  }
  const std::vector<std::int32_t> y = gemm_on_array(driver, k, m, n, w, cols);
  workloads::ref::FeatureMap out(m, out_h, out_w);
  out.values = y;  // m x n row-major is CHW
  return out;
}

}  // namespace nce::rtl
