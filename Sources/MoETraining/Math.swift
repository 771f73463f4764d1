#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libm entry points used by the training code (one place for the platform guard).
enum Math {
    @inline(__always) static func log(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.log(x)
        #else
        Darwin.log(x)
        #endif
    }
    @inline(__always) static func cos(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.cos(x)
        #else
        Darwin.cos(x)
        #endif
    }
    @inline(__always) static func sin(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.sin(x)
        #else
        Darwin.sin(x)
        #endif
    }
    @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double {
        #if canImport(Glibc)
        Glibc.pow(x, y)
        #else
        Darwin.pow(x, y)
        #endif
    }
    @inline(__always) static func expf(_ x: Float) -> Float {
        #if canImport(Glibc)
        Glibc.expf(x)
        #else
        Darwin.expf(x)
        #endif
    }
    @inline(__always) static func logf(_ x: Float) -> Float {
        #if canImport(Glibc)
        Glibc.logf(x)
        #else
        Darwin.logf(x)
        #endif
    }
}
