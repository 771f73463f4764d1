import XCTest
@testable import MoERuntime
