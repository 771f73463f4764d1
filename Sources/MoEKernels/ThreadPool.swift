/// A persistent pool of worker threads that splits loops across cores.
///
/// Skeleton: runs serially until the real pool lands.
public final class ThreadPool: @unchecked Sendable {
    /// Number of threads that execute work, the calling thread included.
    public let threadCount: Int

    /// Creates a pool that runs work on `threadCount` threads (the caller counts as one).
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
    }

    /// Calls `body(i)` for every `i` in `0 ..< count`, spread over the pool's threads, and
    /// returns when all calls have finished. `body` must be safe to call concurrently for
    /// different `i`.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        for i in 0..<count { body(i) }
    }
}
