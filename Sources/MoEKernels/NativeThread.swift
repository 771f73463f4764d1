#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable OS thread running a closure; the building block of `ThreadPool`.
struct NativeThread {
    private let handle: pthread_t

    /// Starts a thread running `body`, or returns nil if the OS refuses to create one.
    static func spawn(_ body: @escaping @Sendable () -> Void) -> NativeThread? {
        let context = Unmanaged.passRetained(StartContext(body)).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t? = nil
        let rc = pthread_create(&handle, nil, { arg in
            Unmanaged<StartContext>.fromOpaque(arg).takeRetainedValue().body()
            return nil
        }, context)
        guard rc == 0, let created = handle else {
            Unmanaged<StartContext>.fromOpaque(context).release()
            return nil
        }
        return NativeThread(handle: created)
        #else
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { arg in
            Unmanaged<StartContext>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<StartContext>.fromOpaque(context).release()
            return nil
        }
        return NativeThread(handle: handle)
        #endif
    }

    /// Waits for the thread to finish.
    func join() {
        pthread_join(handle, nil)
    }
}

/// Carries the thread's closure through pthread's untyped argument.
private final class StartContext {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
