// Weight-stationary multiply-accumulate processing element of the nce MAC array.
//
// Number formats (docs/ARCHITECTURE.md, "Number formats"): activations are
// unsigned codes a in [0, 2^ActWidth), weights two's-complement codes w in
// [-2^(WeightWidth-1), 2^(WeightWidth-1)); at the default 2 bits w*a lies in [-6, 3].
//
// Per clock edge:
//   psum_o <= psum_i + w_eff * a_i   (AccWidth bits, two's complement, WRAPS modulo 2^AccWidth
//                                     on overflow; mac_array's user sizes AccWidth so that the
//                                     reduction depth it is given cannot overflow, and
//                                     nce::rtl::ArrayDriver refuses configurations that could)
//   a_o    <= a_i                    (activation moves one PE to the right per cycle)
//   w_commit_o <= w_commit_i         (the commit marker moves right with the activation)
//   w_q    <= w_eff                  (active weight)
//   w_shadow_q <= w_shift_i ? w_i : w_shadow_q   (weight load chain, one PE down per cycle)
// where w_eff = w_commit_i ? w_shadow_q : w_q. A commit marker travels with the first
// activation of a new weight tile, so that activation and every later one meets the new
// weight while activations of the previous tile still in flight further right meet the old
// one: tiles stream back to back with no drain bubble (the TPU's diagonal weight switch).
module mac_pe #(
  parameter int ActWidth    = 2,  // activation code width; 2 for the 2-bit array, wider for synthesis comparisons
  parameter int WeightWidth = 2,  // weight code width; 2 for the 2-bit array, wider for synthesis comparisons
  parameter int AccWidth    = 16  // partial-sum width; must hold Rows * max|w*a| of the array's reduction
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // Weight load chain (vertical): shadow weight from the PE above, or the column's load port.
  input  logic                          w_shift_i,
  input  logic signed [WeightWidth-1:0] w_i,
  output logic signed [WeightWidth-1:0] w_o,
  // Commit marker (horizontal): high with the first activation of a new weight tile.
  input  logic                          w_commit_i,
  output logic                          w_commit_o,
  // Activations (horizontal) and partial sums (vertical).
  input  logic        [ActWidth-1:0]    a_i,
  output logic        [ActWidth-1:0]    a_o,
  input  logic signed [AccWidth-1:0]    psum_i,
  output logic signed [AccWidth-1:0]    psum_o
);
  // A signed WeightWidth-bit times an unsigned ActWidth-bit code fits in their summed width.
  localparam int ProdWidth = WeightWidth + ActWidth;
  // Narrowest accumulator that holds one product, whose most negative value is
  // -2^(WeightWidth-1) * (2^ActWidth - 1): mac_array's bound (see there) for one row.
  localparam int MinAccWidth = WeightWidth + $clog2((64'd1 << ActWidth) - 64'd1);

  // Parameter legality, checked at elaboration; mac_array.sv ("Parameter legality") says how
  // the tools treat these checks.
  if (WeightWidth < 2) begin : g_weight_width_illegal
    // The product below splits a weight into a sign bit and WeightWidth-1 magnitude bits.
    $error("mac_pe: WeightWidth = %0d is illegal: it must be >= 2", WeightWidth);
  end
  if (ActWidth < 1 || ActWidth > 32) begin : g_act_width_illegal
    // mac_array's limit, where its bound's 64-bit arithmetic is exact.
    $error("mac_pe: ActWidth = %0d is illegal: it must lie in [1, 32]", ActWidth);
  end
  if (ActWidth >= 1 && ActWidth <= 32 && AccWidth < MinAccWidth) begin : g_acc_width_illegal
    $error("mac_pe: AccWidth = %0d is illegal: it must be >= %0d to hold one product", AccWidth,
           MinAccWidth);
  end

  logic signed [WeightWidth-1:0] w_shadow_q, w_q, w_eff;
  logic        [ActWidth-1:0]    a_q;
  logic                          w_commit_q;
  logic signed [AccWidth-1:0]    psum_q;
  logic        [ProdWidth-1:0]   product;  // w_eff * a_i in ProdWidth-bit two's complement

  // Written for Verilator's sake, checked equivalent to the textbook form by Yosys (the numbers
  // are in bench/RESULTS.md, "RTL: simulation speed"):
  // - Only w_eff and the product are combinational; every next-state expression sits in the
  //   always_ff below, so Verilator evaluates each PE once per rising edge. As separate
  //   always_comb nets (w_shadow_d, w_d, psum_d) they were also re-evaluated on every input
  //   change, twice per clock: 1.5x slower.
  // - The product uses unsigned operations only. With w = w[W-1:0] two's complement,
  //   w = w[W-2:0] - w[W-1] * 2^(W-1), so w*a = w[W-2:0]*a - (w[W-1] ? a << (W-1) : 0), taken
  //   modulo 2^ProdWidth where the signed product fits. Verilator turns a signed multiply
  //   (`w_eff * $signed({1'b0, a_i})`) into sign extensions of both operands, of the result
  //   and of the sum, each a mask-and-negate sequence: 1.7x slower for the whole array.
  //   Yosys synthesizes both forms to within 3% of each other's cell count. Needs WeightWidth >= 2.
  assign w_eff   = w_commit_i ? w_shadow_q : w_q;
  assign product = ProdWidth'(w_eff[WeightWidth-2:0]) * ProdWidth'(a_i)
                 - (w_eff[WeightWidth-1] ? ProdWidth'(a_i) << (WeightWidth - 1) : '0);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      w_shadow_q <= '0;
      w_q        <= '0;
      a_q        <= '0;
      w_commit_q <= 1'b0;
      psum_q     <= '0;
    end else begin
      if (w_shift_i) w_shadow_q <= w_i;
      if (w_commit_i) w_q <= w_shadow_q;
      a_q        <= a_i;
      w_commit_q <= w_commit_i;
      // Sign-extends the product to AccWidth bits; the sum wraps modulo 2^AccWidth.
      psum_q     <= psum_i + AccWidth'(signed'(product));
    end
  end

  assign w_o        = w_shadow_q;
  assign w_commit_o = w_commit_q;
  assign a_o        = a_q;
  assign psum_o     = psum_q;
endmodule
