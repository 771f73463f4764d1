/// Numerical kernels over raw buffers. Every pointer argument documents its shape.
///
/// Kernels assume validated inputs: sizes are non-negative, buffers hold at least the
/// documented number of elements, and output buffers do not overlap inputs unless a kernel
/// says so. Each kernel lives in its own file.
public enum Kernels {}
