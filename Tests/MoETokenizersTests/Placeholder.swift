import XCTest
@testable import MoETokenizers
