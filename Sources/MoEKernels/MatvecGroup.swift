/// One matrix-vector product of a group: `output = weight * input`.
public struct MatvecJob: @unchecked Sendable {
    /// `(rows, cols)`
    public let weight: WeightMatrix
    /// `(weight.cols)`
    public let input: UnsafePointer<Float>
    /// `(weight.rows)`
    public let output: UnsafeMutablePointer<Float>

    /// A product writing `weight * input` to `output`.
    public init(_ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.weight = weight
        self.input = input
        self.output = output
    }
}

extension Kernels {
    /// Rows per work item of a grouped matvec: a multiple of the 8-row decode tile, small
    /// enough that a handful of expert matrices balance over the threads.
    static let groupChunkRows = 64

    /// Runs independent matvecs (e.g. the gate and up projections of every expert a token
    /// chose) in ONE pool dispatch: every job is cut into row chunks and all chunks share the
    /// threads. Decode of a MoE layer issues many small matvecs; one dispatch for the lot
    /// avoids a barrier per matrix.
    public static func matvecGroup(_ jobs: [MatvecJob], pool: ThreadPool) {
        var chunks: [(job: Int, first: Int, count: Int)] = []
        for (j, job) in jobs.enumerated() {
            var first = 0
            while first < job.weight.rows {
                let count = min(groupChunkRows, job.weight.rows - first)
                chunks.append((j, first, count))
                first += count
            }
        }
        chunks.withUnsafeBufferPointer { work in
            jobs.withUnsafeBufferPointer { jobs in
                pool.parallelFor(work.count) { i in
                    let c = work[i], job = jobs[c.job]
                    // Nested in a parallelFor, this runs serially on the calling worker.
                    matmul(job.weight.rows(c.first, count: c.count), input: job.input,
                           output: job.output + c.first, tokens: 1, pool: pool)
                }
            }
        }
    }
}
