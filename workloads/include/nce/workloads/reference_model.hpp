#pragma once
// The integer reference model: plain loops over integer codes, the golden model that the
// engine's exported layers, the SystemC model and the RTL are all checked against.
//
// Activations are unsigned codes in [0, 2^bits), weights two's-complement codes in
// [-2^(bits-1), 2^(bits-1)), accumulation in int32 (wrapping is undefined here: callers keep
// reduction depths within range, and the bit widths used by the tool cannot overflow it).
#include <cstdint>
#include <vector>

namespace nce::workloads::ref {

// One image's activations, CHW order.
struct FeatureMap {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<std::int32_t> values;

  FeatureMap() = default;
  FeatureMap(int c, int h, int w) : channels(c), height(h), width(w), values(std::size_t(c) * h * w) {}
  std::int32_t& at(int c, int y, int x) { return values[(std::size_t(c) * height + y) * width + x]; }
  std::int32_t at(int c, int y, int x) const { return values[(std::size_t(c) * height + y) * width + x]; }
  bool operator==(const FeatureMap&) const = default;
};

// Conv filters, [out][in_per_group][height][width]; an FC layer is a 1x1 "conv" on a 1x1 map.
struct Filters {
  int out_channels = 0;
  int in_channels = 0;  // per group
  int height = 0;
  int width = 0;
  std::vector<std::int32_t> values;

  Filters() = default;
  Filters(int m, int c, int h, int w) : out_channels(m), in_channels(c), height(h), width(w), values(std::size_t(m) * c * h * w) {}
  std::int32_t& at(int m, int c, int r, int s) { return values[((std::size_t(m) * in_channels + c) * height + r) * width + s]; }
  std::int32_t at(int m, int c, int r, int s) const { return values[((std::size_t(m) * in_channels + c) * height + r) * width + s]; }
  bool operator==(const Filters&) const = default;
};

struct ConvGeometry {
  int stride = 1;
  int padding = 0;
  int groups = 1;
};

// Code ranges of a bit width. Throws InputError for bits outside [1, 16].
std::int32_t activation_max(int bits);  // 2^bits - 1
std::int32_t weight_min(int bits);      // -2^(bits-1)
std::int32_t weight_max(int bits);      // 2^(bits-1) - 1
// Throws InputError if any code lies outside its range.
void check_activation_codes(const FeatureMap& activations, int bits);
void check_weight_codes(const Filters& weights, int bits);

// out[m][y][x] = sum over c, r, s of w[m][c][r][s] * a[g*Cg + c][y*stride + r - pad][x*stride + s - pad]
FeatureMap conv2d(const FeatureMap& activations, const Filters& weights, ConvGeometry geometry);
// out[m] = sum over k of w[m][k] * a[k], with a the CHW-flattened input.
std::vector<std::int32_t> fully_connected(const FeatureMap& activations, const Filters& weights);

// ---- Radix-4 digit decomposition (how layers above 2 bits run on the 2-bit array) ----
//
// Activation a (unsigned, b bits) = sum_i 4^i * a_i with a_i in {0,1,2,3}: ceil(b/2) digits.
// Weight w (two's complement, b bits) = sum_j 4^j * w_j with w_j in {-2,-1,0,1}, the PE's
// own weight format. That digit set is lopsided (n digits reach -2(4^n-1)/3 .. (4^n-1)/3), so
// positive weights need an extra digit: 4 bits take 3 digits, 8 bits take 5 (127 = 256 - 128
// - 1 -> digits 1,-2,0,0,-1 from the top).
int activation_digit_count(int bits);

// The product of one weight digit {-2,-1,0,1} and one activation digit {0,1,2,3} lies in
// [-6, 3]; a reduction of `depth` products in [-6 depth, 3 depth]. The negative end binds: an
// acc-bit two's-complement accumulator holds every such sum iff 6 depth <= 2^(acc-1).
constexpr std::int64_t kMaxDigitProduct = 6;
std::int64_t max_reduction_depth(int acc_bits);            // floor(2^(acc-1) / 6); 0 outside [1, 32]
bool accumulator_can_wrap(std::int64_t depth, int acc_bits);  // depth > max_reduction_depth(acc_bits)

int weight_digit_count(int bits);
std::vector<std::int32_t> activation_digits(std::int32_t code, int bits);  // least significant first
std::vector<std::int32_t> weight_digits(std::int32_t code, int bits);      // least significant first
std::vector<FeatureMap> split_activation_digits(const FeatureMap& activations, int bits);
std::vector<Filters> split_weight_digits(const Filters& weights, int bits);

// The array's view of a high-precision conv: one 2-bit pass per (activation digit, weight
// digit) pair, each shifted by 2(i+j) bits and summed. Bit-exact with conv2d; `passes`
// receives activation_digit_count * weight_digit_count.
FeatureMap conv2d_by_digits(const FeatureMap& activations, int act_bits, const Filters& weights,
                            int weight_bits, ConvGeometry geometry, int* passes = nullptr);

}  // namespace nce::workloads::ref
