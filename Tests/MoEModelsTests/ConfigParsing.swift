import Foundation
import MoEModels
import XCTest

/// Parsing config.json text in tests: the config, or the `ConfigError` it raises.
protocol ConfigParsing {}

extension ConfigParsing {
    /// The config `json` describes.
    func config(_ json: String) throws -> ModelConfig {
        try ModelConfig(json: Data(json.utf8), file: "config.json")
    }

    /// The error `json` raises, or nil if it parses.
    func error(_ json: String) -> ConfigError? {
        do {
            _ = try config(json)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            XCTFail("unexpected error type \(error)")
            return nil
        }
    }
}
