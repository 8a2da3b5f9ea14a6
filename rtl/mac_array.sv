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
// Overflow: each PE wraps modulo 2^AccWidth (see mac_pe). A column's sum is bounded by
// Rows * max|w*a| (Rows * 6 at 2 bits), so AccWidth >= ceil(log2(Rows * 6)) + 1 cannot wrap;
// the default 16 bits covers any Rows up to 5461.
module mac_array #(
  parameter int Rows        = 16,  // reduction depth K of one pass (PE rows)
  parameter int Cols        = 16,  // output channels M of one pass (PE columns)
  parameter int ActWidth    = 2,   // activation code width (ARCHITECTURE.md: 2-bit unsigned)
  parameter int WeightWidth = 2,   // weight code width (ARCHITECTURE.md: 2-bit two's complement)
  parameter int AccWidth    = 16   // partial-sum width; see "Overflow" above
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          w_shift_i,
  input  logic [Cols*WeightWidth-1:0]   w_i,
  input  logic [Rows-1:0]               w_commit_i,
  input  logic [Rows*ActWidth-1:0]      a_i,
  output logic [Cols*AccWidth-1:0]      psum_o
);
  // Nets between neighbours, flat like the ports: horizontal ones have Cols+1 taps per row
  // (tap r*(Cols+1) + c feeds PE(r, c)), vertical ones Rows+1 taps per column (tap r*Cols + c
  // feeds PE(r, c)); tap 0 of each is the array edge.
  logic [Rows*(Cols+1)*ActWidth-1:0]    a_h;
  logic [Rows*(Cols+1)-1:0]             commit_h;
  logic [(Rows+1)*Cols*WeightWidth-1:0] w_v;
  logic [(Rows+1)*Cols*AccWidth-1:0]    psum_v;

  // The right and bottom edges leave the array unconnected; Verilator's lint exempts names
  // containing "unused", which documents that they are dropped on purpose.
  logic [Rows*ActWidth-1:0]    unused_a_right;
  logic [Rows-1:0]             unused_commit_right;
  logic [Cols*WeightWidth-1:0] unused_w_bottom;
  assign unused_w_bottom = w_v[Rows*Cols*WeightWidth +: Cols*WeightWidth];

  for (genvar r = 0; r < Rows; r++) begin : g_row_edge
    assign a_h[r*(Cols+1)*ActWidth +: ActWidth]        = a_i[r*ActWidth +: ActWidth];
    assign commit_h[r*(Cols+1)]                        = w_commit_i[r];
    assign unused_a_right[r*ActWidth +: ActWidth]      = a_h[(r*(Cols+1)+Cols)*ActWidth +: ActWidth];
    assign unused_commit_right[r]                      = commit_h[r*(Cols+1)+Cols];
  end
  assign w_v[0 +: Cols*WeightWidth] = w_i;
  assign psum_v[0 +: Cols*AccWidth] = '0;
  assign psum_o                     = psum_v[Rows*Cols*AccWidth +: Cols*AccWidth];

  for (genvar r = 0; r < Rows; r++) begin : g_row
    for (genvar c = 0; c < Cols; c++) begin : g_col
      mac_pe #(
        .ActWidth   (ActWidth),
        .WeightWidth(WeightWidth),
        .AccWidth   (AccWidth)
      ) u_pe (
        .clk_i,
        .rst_ni,
        .w_shift_i,
        .w_i       (w_v[(r*Cols+c)*WeightWidth +: WeightWidth]),
        .w_o       (w_v[((r+1)*Cols+c)*WeightWidth +: WeightWidth]),
        .w_commit_i(commit_h[r*(Cols+1)+c]),
        .w_commit_o(commit_h[r*(Cols+1)+c+1]),
        .a_i       (a_h[(r*(Cols+1)+c)*ActWidth +: ActWidth]),
        .a_o       (a_h[(r*(Cols+1)+c+1)*ActWidth +: ActWidth]),
        .psum_i    (psum_v[(r*Cols+c)*AccWidth +: AccWidth]),
        .psum_o    (psum_v[((r+1)*Cols+c)*AccWidth +: AccWidth])
      );
    end
  end
endmodule
