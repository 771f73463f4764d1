import XCTest
@testable import MoEModels
