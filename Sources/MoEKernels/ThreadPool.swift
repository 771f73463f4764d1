#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A persistent pool of worker threads that splits loops across cores.
///
/// `threadCount - 1` workers are created once in `init` and live until the pool is released;
/// the thread calling `parallelFor` does its share of the work too. Idle workers spin briefly
/// (so back-to-back loops such as the matvecs of one decode step dispatch in well under a
/// microsecond), then sleep on a condition variable.
///
/// Call `parallelFor` from one thread at a time. A call made while the pool is already busy
/// (from inside a `parallelFor` body, or from a second thread) runs serially on the calling
/// thread instead of waiting, so nesting never deadlocks.
public final class ThreadPool: @unchecked Sendable {
    /// Number of threads that execute work, the calling thread included.
    public let threadCount: Int

    private let state: PoolState
    private let workers: [NativeThread]

    /// Creates a pool that runs work on `threadCount` threads (the caller counts as one).
    ///
    /// Values below 1 mean 1. If the OS refuses to create a thread, the pool keeps the
    /// workers it got and `threadCount` reports the real number.
    public init(threadCount: Int) {
        let state = PoolState()
        var workers: [NativeThread] = []
        for _ in 1..<max(1, threadCount) {
            guard let thread = NativeThread.spawn({ state.workerLoop() }) else { break }
            workers.append(thread)
        }
        state.workerCount = workers.count
        self.state = state
        self.workers = workers
        self.threadCount = workers.count + 1
    }

    deinit {
        state.shutdown.store(true, ordering: .sequentiallyConsistent)
        state.generation.pointee.add(1, ordering: .sequentiallyConsistent)
        state.parker.wakeAll()
        for worker in workers { worker.join() }
    }

    /// Calls `body(i)` for every `i` in `0 ..< count`, spread over the pool's threads, and
    /// returns when all calls have finished. `body` must be safe to call concurrently for
    /// different `i`.
    ///
    /// Indices are handed out one at a time from a shared counter, so give each index a
    /// worthwhile amount of work (a chunk of rows, a head) rather than a single element.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1, state.workerCount > 0,
              state.busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for i in 0..<max(0, count) { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            state.run(escapable, count: count)
        }
        state.busy.store(false, ordering: .releasing)
    }
}

/// The state the caller and the workers share; workers keep it alive, not the pool.
///
/// A job is published by storing it, opening it and bumping `generation`. A worker joins by
/// incrementing `active` and then checking `open`; the caller, once every index is taken,
/// closes the job and waits only for `active` to drain. Both sides use sequentially
/// consistent order for that handshake, so either the caller sees the worker's increment or
/// the worker sees the job closed: the caller never waits for a worker that is asleep or
/// descheduled, and no worker touches a finished job.
private final class PoolState: @unchecked Sendable {
    /// Polls of `generation` before an idle worker goes to sleep (tens of microseconds).
    static let spinLimit = 1 << 16
    /// Polls of `active` before the caller starts yielding its core to a preempted worker.
    static let callerSpinLimit = 1 << 10

    /// Worker threads (the caller not included).
    var workerCount = 0
    /// The hot counters, each on its own cache line: sharing one line made every dispatch
    /// bounce it between cores several times (about 400 ns per `parallelFor` instead of 100).
    private let lines = CacheLines(count: 3)
    /// Bumped to announce a new job (or shutdown) to the workers.
    var generation: UnsafeMutablePointer<Atomic<Int>> { lines.slot(0) }
    /// The current job still accepts workers.
    let open = Atomic<Bool>(false)
    /// Workers that have joined the current job and not yet left it.
    var active: UnsafeMutablePointer<Atomic<Int>> { lines.slot(1) }
    /// Next index to hand out.
    var next: UnsafeMutablePointer<Atomic<Int>> { lines.slot(2) }
    /// Workers asleep (or about to sleep) on `parker`.
    let sleepers = Atomic<Int>(0)
    /// A `parallelFor` is in flight.
    let busy = Atomic<Bool>(false)
    /// Workers exit at the next generation.
    let shutdown = Atomic<Bool>(false)
    let parker = Parker()
    /// The current job; only written while it is closed and no worker is active.
    var body: ((Int) -> Void)?
    var count = 0

    /// Publishes `body`, takes part in it, and returns once no worker is still running it.
    func run(_ body: @escaping (Int) -> Void, count: Int) {
        self.body = body
        self.count = count
        next.pointee.store(0, ordering: .relaxed)
        open.store(true, ordering: .sequentiallyConsistent)
        generation.pointee.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 { parker.wakeAll() }
        drain()
        open.store(false, ordering: .sequentiallyConsistent)
        var spins = 0
        while active.pointee.load(ordering: .sequentiallyConsistent) > 0 {
            spins += 1
            if spins > Self.callerSpinLimit { sched_yield() }
        }
        self.body = nil
    }

    /// Runs indices of the current job until none are left.
    @inline(never)
    func drain() {
        guard let body else { return }
        let count = self.count
        while true {
            let i = next.pointee.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
        }
    }

    /// A worker's life: wait for a new generation, join the job if still open, repeat until
    /// shutdown.
    func workerLoop() {
        var seen = 0
        while true {
            seen = waitForGeneration(after: seen)
            if shutdown.load(ordering: .acquiring) { return }
            active.pointee.add(1, ordering: .sequentiallyConsistent)
            if open.load(ordering: .sequentiallyConsistent) { drain() }
            active.pointee.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Spins, then sleeps, until `generation` differs from `seen`; returns the new value.
    private func waitForGeneration(after seen: Int) -> Int {
        for _ in 0..<Self.spinLimit {
            let g = generation.pointee.load(ordering: .acquiring)
            if g != seen { return g }
        }
        parker.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var g = generation.pointee.load(ordering: .sequentiallyConsistent)
        while g == seen {
            parker.wait()
            g = generation.pointee.load(ordering: .sequentiallyConsistent)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        parker.unlock()
        return g
    }
}

/// Atomic counters, each alone on a 128-byte line (no false sharing between writers).
private final class CacheLines: @unchecked Sendable {
    private static let stride = 128
    private let base: UnsafeMutableRawPointer

    init(count: Int) {
        base = .allocate(byteCount: count * Self.stride, alignment: Self.stride)
        for i in 0..<count {
            (base + i * Self.stride).bindMemory(to: Atomic<Int>.self, capacity: 1).initialize(to: Atomic(0))
        }
    }

    deinit { base.deallocate() }

    /// The counter on line `index`.
    @inline(__always)
    func slot(_ index: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        (base + index * Self.stride).assumingMemoryBound(to: Atomic<Int>.self)
    }
}
