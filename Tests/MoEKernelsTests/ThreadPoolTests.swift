import Synchronization
import XCTest
@testable import MoEKernels

final class ThreadPoolTests: XCTestCase {
    /// Runs `parallelFor(count)` and checks that every index was visited exactly once.
    private func checkVisits(_ pool: ThreadPool, count: Int, file: StaticString = #filePath, line: UInt = #line) {
        let visits = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: max(1, count))  // (count)
        defer { visits.deallocate() }
        for i in 0..<count { (visits + i).initialize(to: Atomic(0)) }
        pool.parallelFor(count) { i in visits[i].add(1, ordering: .relaxed) }
        for i in 0..<count where visits[i].load(ordering: .relaxed) != 1 {
            XCTFail("index \(i) of \(count) visited \(visits[i].load(ordering: .relaxed)) times", file: file, line: line)
            return
        }
    }

    func testThreadCount() {
        XCTAssertEqual(ThreadPool(threadCount: 0).threadCount, 1)
        XCTAssertEqual(ThreadPool(threadCount: 1).threadCount, 1)
        XCTAssertEqual(ThreadPool(threadCount: 3).threadCount, 3)
    }

    func testEveryIndexOnceForManyCounts() {
        for pool in TestPools.all {
            for count in [0, 1, 2, 3, 5, 8, 64, 1000, 100_000] {
                checkVisits(pool, count: count)
            }
        }
    }

    func testRepeatedSmallDispatches() {
        for pool in TestPools.all {
            for round in 0..<3000 {
                checkVisits(pool, count: round % 9)
            }
        }
    }

    func testNegativeCountDoesNothing() {
        let called = Atomic<Bool>(false)
        TestPools.byThreads[2]!.parallelFor(-3) { _ in called.store(true, ordering: .relaxed) }
        XCTAssertFalse(called.load(ordering: .relaxed))
    }

    func testNestedParallelForRunsWithoutDeadlock() {
        for pool in TestPools.all {
            let outer = 6, inner = 50
            let visits = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: outer * inner)  // (outer, inner)
            defer { visits.deallocate() }
            for i in 0..<outer * inner { (visits + i).initialize(to: Atomic(0)) }
            for _ in 0..<200 {
                pool.parallelFor(outer) { i in
                    pool.parallelFor(inner) { j in visits[i * inner + j].add(1, ordering: .relaxed) }
                }
            }
            for i in 0..<outer * inner { XCTAssertEqual(visits[i].load(ordering: .relaxed), 200) }
        }
    }

    func testCallsFromTwoThreadsAtOnceStillVisitEveryIndexOnce() {
        let pool = TestPools.byThreads[2]!
        let count = 500
        let visits = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 2 * count)  // (2, count)
        defer { visits.deallocate() }
        for i in 0..<2 * count { (visits + i).initialize(to: Atomic(0)) }
        let shared = SharedCounters(base: visits)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for _ in 0..<100 {
                pool.parallelFor(count) { i in shared.base[caller * count + i].add(1, ordering: .relaxed) }
            }
        }
        for i in 0..<2 * count { XCTAssertEqual(visits[i].load(ordering: .relaxed), 100) }
    }

    func testPoolUsableAfterIdleSleep() {
        let pool = ThreadPool(threadCount: 2)
        checkVisits(pool, count: 100)
        usleep(20_000)  // long enough for the workers to stop spinning and park
        checkVisits(pool, count: 100)
    }

    func testCreatingAndDroppingPoolsShutsThreadsDown() {
        for _ in 0..<50 {
            let pool = ThreadPool(threadCount: 3)
            checkVisits(pool, count: 10)
        }
    }

    func testWorkActuallyRunsConcurrently() {
        let pool = TestPools.byThreads[2]!
        let active = Atomic<Int>(0), most = Atomic<Int>(0)
        for _ in 0..<200 {
            pool.parallelFor(16) { _ in
                let now = active.add(1, ordering: .sequentiallyConsistent).newValue
                most.max(now, ordering: .relaxed)
                usleep(50)
                active.subtract(1, ordering: .sequentiallyConsistent)
            }
            if most.load(ordering: .relaxed) > 1 { return }
        }
        XCTFail("bodies never overlapped")
    }
}

/// Atomic counters handed to other threads (each counter is atomic, so sharing is safe).
private struct SharedCounters: @unchecked Sendable {
    let base: UnsafeMutablePointer<Atomic<Int>>
}
