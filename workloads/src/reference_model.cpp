#include "nce/workloads/reference_model.hpp"

#include <fmt/format.h>

#include "nce/core/input_error.hpp"

namespace nce::workloads::ref {
namespace {

void check_bits(int bits) {
  if (bits < 1 || bits > 16) throw core::InputError(fmt::format("bit width {} outside 1..16", bits));
}

// Largest magnitudes reachable with n digits from {-2,-1,0,1}: sum of 4^i = (4^n - 1) / 3.
std::int64_t digit_reach(int digits) {
  std::int64_t ones = 0;
  for (int i = 0; i < digits; ++i) ones = ones * 4 + 1;
  return ones;
}

}  // namespace

std::int32_t activation_max(int bits) {
  check_bits(bits);
  return (std::int32_t{1} << bits) - 1;
}
std::int32_t weight_min(int bits) {
  check_bits(bits);
  return -(std::int32_t{1} << (bits - 1));
}
std::int32_t weight_max(int bits) {
  check_bits(bits);
  return (std::int32_t{1} << (bits - 1)) - 1;
}

void check_activation_codes(const FeatureMap& activations, int bits) {
  const std::int32_t top = activation_max(bits);
  for (std::size_t i = 0; i < activations.values.size(); ++i) {
    if (activations.values[i] < 0 || activations.values[i] > top) {
      throw core::InputError(fmt::format("activation code {} at index {} is outside the {}-bit range 0..{}",
                                   activations.values[i], i, bits, top));
    }
  }
}

void check_weight_codes(const Filters& weights, int bits) {
  const std::int32_t low = weight_min(bits), high = weight_max(bits);
  for (std::size_t i = 0; i < weights.values.size(); ++i) {
    if (weights.values[i] < low || weights.values[i] > high) {
      throw core::InputError(fmt::format("weight code {} at index {} is outside the {}-bit range {}..{}", weights.values[i],
                                   i, bits, low, high));
    }
  }
}

FeatureMap conv2d(const FeatureMap& a, const Filters& w, ConvGeometry g) {
  if (g.stride < 1 || g.padding < 0 || g.groups < 1) throw core::InputError("conv2d: stride, padding or groups invalid");
  if (a.channels != w.in_channels * g.groups || w.out_channels % g.groups != 0) {
    throw core::InputError(fmt::format("conv2d: {} input channels do not match filters of {} channels x {} groups",
                                 a.channels, w.in_channels, g.groups));
  }
  const int out_h = (a.height + 2 * g.padding - w.height) / g.stride + 1;
  const int out_w = (a.width + 2 * g.padding - w.width) / g.stride + 1;
  if (out_h < 1 || out_w < 1) throw core::InputError("conv2d: kernel larger than the padded input");
  FeatureMap out(w.out_channels, out_h, out_w);
  const int out_per_group = w.out_channels / g.groups;
  for (int m = 0; m < w.out_channels; ++m) {
    const int channel_base = (m / out_per_group) * w.in_channels;
    for (int y = 0; y < out_h; ++y) {
      for (int x = 0; x < out_w; ++x) {
        std::int32_t sum = 0;
        for (int c = 0; c < w.in_channels; ++c) {
          for (int r = 0; r < w.height; ++r) {
            const int iy = y * g.stride + r - g.padding;
            if (iy < 0 || iy >= a.height) continue;
            for (int s = 0; s < w.width; ++s) {
              const int ix = x * g.stride + s - g.padding;
              if (ix < 0 || ix >= a.width) continue;
              sum += w.at(m, c, r, s) * a.at(channel_base + c, iy, ix);
            }
          }
        }
        out.at(m, y, x) = sum;
      }
    }
  }
  return out;
}

std::vector<std::int32_t> fully_connected(const FeatureMap& a, const Filters& w) {
  const std::size_t features = a.values.size();
  if (std::size_t(w.in_channels) * w.height * w.width != features) {
    throw core::InputError(fmt::format("fully_connected: {} input features, weights expect {}", features,
                                 std::size_t(w.in_channels) * w.height * w.width));
  }
  std::vector<std::int32_t> out(w.out_channels, 0);
  for (int m = 0; m < w.out_channels; ++m) {
    std::int32_t sum = 0;
    for (std::size_t k = 0; k < features; ++k) sum += w.values[m * features + k] * a.values[k];
    out[m] = sum;
  }
  return out;
}

int activation_digit_count(int bits) {
  check_bits(bits);
  return (bits + 1) / 2;
}

int weight_digit_count(int bits) {
  check_bits(bits);
  int digits = 1;
  while (digit_reach(digits) < weight_max(bits) || 2 * digit_reach(digits) < -std::int64_t{weight_min(bits)}) ++digits;
  return digits;
}

std::vector<std::int32_t> activation_digits(std::int32_t code, int bits) {
  if (code < 0 || code > activation_max(bits)) {
    throw core::InputError(fmt::format("activation code {} outside the {}-bit range", code, bits));
  }
  std::vector<std::int32_t> digits(activation_digit_count(bits));
  for (auto& digit : digits) {
    digit = code & 3;
    code >>= 2;
  }
  return digits;
}

std::vector<std::int32_t> weight_digits(std::int32_t code, int bits) {
  if (code < weight_min(bits) || code > weight_max(bits)) {
    throw core::InputError(fmt::format("weight code {} outside the {}-bit range", code, bits));
  }
  std::vector<std::int32_t> digits(weight_digit_count(bits));
  for (auto& digit : digits) {
    // Pick the digit in {-2,-1,0,1} congruent to the remainder mod 4; the rest divides exactly.
    digit = ((code % 4) + 4 + 2) % 4 - 2;
    code = (code - digit) / 4;
  }
  return digits;  // code is now 0: the digit count covers the whole range
}

std::vector<FeatureMap> split_activation_digits(const FeatureMap& activations, int bits) {
  std::vector<FeatureMap> planes(activation_digit_count(bits),
                                 FeatureMap(activations.channels, activations.height, activations.width));
  for (std::size_t i = 0; i < activations.values.size(); ++i) {
    const auto digits = activation_digits(activations.values[i], bits);
    for (std::size_t d = 0; d < digits.size(); ++d) planes[d].values[i] = digits[d];
  }
  return planes;
}

std::vector<Filters> split_weight_digits(const Filters& weights, int bits) {
  std::vector<Filters> planes(weight_digit_count(bits),
                              Filters(weights.out_channels, weights.in_channels, weights.height, weights.width));
  for (std::size_t i = 0; i < weights.values.size(); ++i) {
    const auto digits = weight_digits(weights.values[i], bits);
    for (std::size_t d = 0; d < digits.size(); ++d) planes[d].values[i] = digits[d];
  }
  return planes;
}

FeatureMap conv2d_by_digits(const FeatureMap& activations, int act_bits, const Filters& weights, int weight_bits,
                            ConvGeometry geometry, int* passes) {
  const auto act_planes = split_activation_digits(activations, act_bits);
  const auto weight_planes = split_weight_digits(weights, weight_bits);
  FeatureMap total;
  for (std::size_t i = 0; i < act_planes.size(); ++i) {
    for (std::size_t j = 0; j < weight_planes.size(); ++j) {
      const FeatureMap pass = conv2d(act_planes[i], weight_planes[j], geometry);
      if (total.values.empty()) total = FeatureMap(pass.channels, pass.height, pass.width);
      const int shift = int(2 * (i + j));
      // Multiply rather than shift: left-shifting a negative partial sum is not portable.
      const std::int32_t scale = std::int32_t{1} << shift;
      for (std::size_t k = 0; k < pass.values.size(); ++k) total.values[k] += pass.values[k] * scale;
    }
  }
  if (passes != nullptr) *passes = int(act_planes.size() * weight_planes.size());
  return total;
}

std::int64_t max_reduction_depth(int acc_bits) {
  if (acc_bits < 1 || acc_bits > 32) return 0;
  return (std::int64_t{1} << (acc_bits - 1)) / kMaxDigitProduct;
}

bool accumulator_can_wrap(std::int64_t depth, int acc_bits) { return depth > max_reduction_depth(acc_bits); }

}  // namespace nce::workloads::ref
