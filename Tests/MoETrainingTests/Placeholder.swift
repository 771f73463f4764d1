import XCTest
@testable import MoETraining
