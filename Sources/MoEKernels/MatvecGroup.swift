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
        #if arch(x86_64)
        // Block-type inputs are quantised once per distinct input (gate and up share theirs),
        // not once per chunk.
        var unique: [GroupInput: ActivationQ8] = [:]
        let activations: [ActivationQ8?] = jobs.map { job in
            guard job.weight.type.isBlockQuantized else { return nil }
            let key = GroupInput(input: job.input, cols: job.weight.cols)
            if let x = unique[key] { return x }
            let x = ActivationQ8(job.input, cols: job.weight.cols)
            unique[key] = x
            return x
        }
        defer { for x in unique.values { x.deallocate() } }
        #endif
        chunks.withUnsafeBufferPointer { work in
            jobs.withUnsafeBufferPointer { jobs in
                pool.parallelFor(work.count) { i in
                    let c = work[i], job = jobs[c.job]
                    #if arch(x86_64)
                    if let x = activations[c.job] {
                        MatmulDriver.q8IntRows(job.weight, x: x, y: job.output, first: c.first, count: c.count)
                        return
                    }
                    #endif
                    // Nested in a parallelFor, this runs serially on the calling worker.
                    matmul(job.weight.rows(c.first, count: c.count), input: job.input,
                           output: job.output + c.first, tokens: 1, pool: pool)
                }
            }
        }
    }
}

/// One input vector of a matvec group, as a dictionary key.
private struct GroupInput: Hashable {
    /// `(cols)`
    let input: UnsafePointer<Float>
    /// Length of the input.
    let cols: Int
}
