import XCTest
@testable import MoEFormats
