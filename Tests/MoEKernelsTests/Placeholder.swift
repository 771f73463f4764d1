import XCTest
@testable import MoEKernels
