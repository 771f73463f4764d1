import XCTest
@testable import MoEChatTemplates
