// Rows x Cols weight-stationary systolic array of mac_pe: one pass computes a GEMM tile
//   Y[c][n] = sum_{r < Rows} W[r][c] * X[r][n]
// with W the Rows x Cols weight tile (reduction K along rows, outputs M along columns) held
// in the PEs and X streamed in from the left, one column n per cycle. Skew and de-skew are the
// driver's job (nce::rtl::ArrayDriver does both), which keeps this module a plain grid.
//
// Ports are flat vectors, element i in bits [i*Width +: Width] (Yosys 0.23, which synthesizes
// this file for bench/RESULTS.md, reads no multi-dimensional packed ports):
//   clk_i, rst_ni   clock, asynchronous active-low reset (clears every register to 0)
//   w_shift_i       shift every column's shadow-weight chain down one PE
//   w_i[c]          weight entering the top of column c's chain while w_shift_i is high
//   w_commit_i[r]   high with the first activation of a new weight tile in row r
//   a_i[r]          activation code entering row r from the left
//   psum_o[c]       partial sum leaving the bottom of column c (AccWidth-bit two's complement)
//
// Protocol for one tile (W, X with N columns) whose first activation enters row 0 in cycle t0:
//   load   Rows cycles with w_shift_i = 1, w_i[c] = W[Rows-1-j][c] in the j-th of them (the
//          bottom row's weight goes in first), all ending by cycle t0-1. They may start in the
//          cycle in which the previous tile's commit reaches PE(Rows-1, Cols-1), i.e.
//          t0_prev + Rows + Cols - 2, so the next tile's load overlaps the current stream.
//   skew   row r gets a_i[r] = X[r][n] in cycle t0 + r + n, and w_commit_i[r] = 1 in cycle
//          t0 + r (with X[r][0]); between tiles the rows carry 0 (which adds nothing).
//   de-skew psum_o[c] holds Y[c][n] during cycle t0 + Rows + c + n (the bottom PE registers it
//          at the end of cycle t0 + Rows - 1 + c + n): column c lags column 0 by c cycles.
//
// Timing, Rows = Cols = 2, N = 3, t0 = 2 (W1c = W[1][c]; a blank is 0; y is readable in the
// cycle shown):
//
//   cycle          0     1     2     3     4     5     6     7
//   w_shift_i      1     1     0     0     0     0     0     0
//   w_i[c]         W1c   W0c
//   w_commit_i[0]              1
//   a_i[0]                     x00   x01   x02
//   w_commit_i[1]                    1
//   a_i[1]                           x10   x11   x12
//   psum_o[0]                              y00   y01   y02
//   psum_o[1]                                    y10   y11   y12
//
// Overflow: each PE wraps modulo 2^AccWidth (see mac_pe), so AccWidth must hold every column
// sum; "Parameter legality" below derives the bound and refuses a narrower AccWidth. At the
// default 2-bit operands it reads |sum| <= 6 * Rows <= 2^(AccWidth-1): 16 rows need 8 bits,
// and the default 16 bits cover any Rows up to 5461.
module mac_array #(
  parameter int Rows        = 16,  // reduction depth K of one pass (PE rows)
  parameter int Cols        = 16,  // output channels M of one pass (PE columns)
  parameter int ActWidth    = 2,   // activation code width (docs/ARCHITECTURE.md: 2-bit unsigned)
  parameter int WeightWidth = 2,   // weight code width (docs/ARCHITECTURE.md: 2-bit two's complement)
  parameter int AccWidth    = 16   // partial-sum width; see "Parameter legality" below
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          w_shift_i,
  input  logic [Cols*WeightWidth-1:0]   w_i,
  input  logic [Rows-1:0]               w_commit_i,
  input  logic [Rows*ActWidth-1:0]      a_i,
  output logic [Cols*AccWidth-1:0]      psum_o
);
  // Parameter legality, checked at elaboration: illegal parameters fail verilation (and Yosys'
  // read) with the message of the failing check. A column sum is
  //   s = sum_{r < Rows} w_r * a_r,  w_r in [-2^(WeightWidth-1), 2^(WeightWidth-1) - 1],
  //                                  a_r in [0, 2^ActWidth - 1],
  // so -Rows * 2^(WeightWidth-1) * (2^ActWidth - 1) <= s <= Rows * (2^(WeightWidth-1) - 1) *
  // (2^ActWidth - 1). AccWidth-bit two's complement holds [-2^(AccWidth-1), 2^(AccWidth-1) - 1].
  // The lower end fits iff Rows * 2^(WeightWidth-1) * (2^ActWidth - 1) <= 2^(AccWidth-1), i.e.
  //   Rows * (2^ActWidth - 1) <= 2^(AccWidth - WeightWidth),
  //   AccWidth >= WeightWidth + clog2(Rows * (2^ActWidth - 1))   (= MinAccWidth),
  // and then so does the upper end, which lies Rows * (2^ActWidth - 1) >= 1 below it in
  // magnitude; the partial sums higher up the column have fewer terms. The bound is exact: a
  // column of most negative weights against all-ones activations reaches it. At 2-bit operands
  // it is 6 * Rows <= 2^(AccWidth-1), the rule of nce::workloads::ref::accumulator_can_wrap
  // (workloads/src/reference_model.cpp), which nce::rtl::ArrayDriver also applies.
  //
  // What Verilator 5.006 does with such checks (tried with --lint-only and --cc):
  // - $error / $fatal in a generate `if` run at elaboration, --lint-only included: the message
  //   comes out as warning USERERROR / USERFATAL with file, line and instance, and the run exits
  //   1 because warnings are fatal. -Wno-fatal (or -Wno-USERERROR) would let it pass, so the
  //   project's flags (NCE_VERILATOR_FLAGS, cmake/NceTargets.cmake) add -Werror-USERERROR,
  //   which keeps it an error even then. Every failing check is reported, not just the first.
  // - `initial assert (...) else $fatal(...)` (lowRISC's ASSERT_INIT) is not evaluated at
  //   verilation: --lint-only and --cc both succeed, and the model only aborts at time 0 of
  //   the simulation if built with --assert. Hence the generate form here.
  // - $error rather than $fatal: Yosys 0.23 (rtl/synth/cell_counts.sh) fails on both but prints
  //   $fatal's message as "FATAL: ." and $error's (unformatted) text.
  // The bound uses 64-bit arithmetic, exact for Rows < 2^31 (int) and ActWidth <= 32.
  localparam int MinAccWidth =
      WeightWidth + $clog2(64'(Rows) * ((64'd1 << ActWidth) - 64'd1));

  if (Rows < 1) begin : g_rows_illegal
    $error("mac_array: Rows = %0d is illegal: it must be >= 1", Rows);
  end
  if (Cols < 1) begin : g_cols_illegal
    $error("mac_array: Cols = %0d is illegal: it must be >= 1", Cols);
  end
  if (WeightWidth < 2) begin : g_weight_width_illegal
    $error("mac_array: WeightWidth = %0d is illegal: it must be >= 2", WeightWidth);
  end
  if (ActWidth < 1 || ActWidth > 32) begin : g_act_width_illegal
    $error("mac_array: ActWidth = %0d is illegal: it must lie in [1, 32]", ActWidth);
  end
  if (Rows >= 1 && ActWidth >= 1 && ActWidth <= 32 && AccWidth < MinAccWidth)
  begin : g_acc_width_illegal
    $error("mac_array: AccWidth = %0d is illegal: it must be >= %0d to hold the sum of Rows = %0d products",
           AccWidth, MinAccWidth, Rows);
  end

  // Each PE's nets live in its own generate scope and neighbours reach them by hierarchical
  // name. Flat vectors spanning the whole array simulate the same but, once --trace keeps them
  // intact, make Verilator shuffle kilobit temporaries every cycle (measured 2.5x slower at
  // 16x16); these per-PE scalars do not.
  for (genvar r = 0; r < Rows; r++) begin : g_row
    for (genvar c = 0; c < Cols; c++) begin : g_col
      logic [ActWidth-1:0]    a_in, a_out;
      logic                   commit_in, commit_out;
      logic [WeightWidth-1:0] w_in, w_out;
      logic [AccWidth-1:0]    psum_in, psum_out;

      if (c == 0) begin : g_left_edge
        assign a_in      = a_i[r*ActWidth +: ActWidth];
        assign commit_in = w_commit_i[r];
      end else begin : g_from_left
        assign a_in      = g_row[r].g_col[c-1].a_out;
        assign commit_in = g_row[r].g_col[c-1].commit_out;
      end
      if (r == 0) begin : g_top_edge
        assign w_in    = w_i[c*WeightWidth +: WeightWidth];
        assign psum_in = '0;
      end else begin : g_from_above
        assign w_in    = g_row[r-1].g_col[c].w_out;
        assign psum_in = g_row[r-1].g_col[c].psum_out;
      end
      // The right and bottom edges leave the array; Verilator's lint exempts names containing
      // "unused", which marks them as dropped on purpose.
      if (c == Cols - 1) begin : g_right_edge
        logic [ActWidth-1:0] unused_a;
        logic                unused_commit;
        assign unused_a      = a_out;
        assign unused_commit = commit_out;
      end
      if (r == Rows - 1) begin : g_bottom_edge
        logic [WeightWidth-1:0] unused_w;
        assign unused_w                       = w_out;
        assign psum_o[c*AccWidth +: AccWidth] = psum_out;
      end

      mac_pe #(
        .ActWidth   (ActWidth),
        .WeightWidth(WeightWidth),
        .AccWidth   (AccWidth)
      ) u_pe (
        .clk_i,
        .rst_ni,
        .w_shift_i,
        .w_i       (w_in),
        .w_o       (w_out),
        .w_commit_i(commit_in),
        .w_commit_o(commit_out),
        .a_i       (a_in),
        .a_o       (a_out),
        .psum_i    (psum_in),
        .psum_o    (psum_out)
      );
    end
  end
endmodule
