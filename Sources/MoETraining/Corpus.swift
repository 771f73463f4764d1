import Foundation
import MoEFormats

/// Training text as documents, split deterministically into training and validation by
/// document: every 10th document (in path order, starting with the 10th) is held out; a
/// corpus of fewer than 10 documents holds out the last 10% of each document's characters.
public struct Corpus: Sendable {
    /// Training documents.
    public let train: [String]
    /// Validation documents.
    public let validation: [String]
    /// Every document, unsplit, in path order.
    public let documents: [String]

    /// Reads `path`: a text file, or a folder whose regular files (recursively, sorted by
    /// path, hidden files skipped) are the documents.
    public init(path: String) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isFolder) else { throw TrainingError.data("\(path) does not exist") }
        var files: [String] = []
        if isFolder.boolValue {
            guard let walker = manager.enumerator(atPath: path) else { throw TrainingError.data("cannot list \(path)") }
            for case let name as String in walker where !name.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                var dir: ObjCBool = false
                let full = path + "/" + name
                if manager.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue { files.append(full) }
            }
            files.sort()
        } else {
            files = [path]
        }
        let documents = try files.map { file -> String in
            let bytes: [UInt8]
            do {
                bytes = try MappedFile.read(file)
            } catch let error as FormatError {
                throw TrainingError.data(error.description)
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw TrainingError.data("\(file): not UTF-8 text (binary data?)")
            }
            if let nul = bytes.firstIndex(of: 0) { throw TrainingError.data("\(file): NUL byte at offset \(nul) (binary data?)") }
            return text
        }
        self.init(documents: documents)
        guard !train.joined().isEmpty, !validation.joined().isEmpty else { throw TrainingError.data("\(path) holds no text") }
    }

    /// Splits `documents` as described above.
    public init(documents: [String]) {
        self.documents = documents
        if documents.count >= 10 {
            train = documents.enumerated().filter { $0.offset % 10 != 9 }.map(\.element)
            validation = documents.enumerated().filter { $0.offset % 10 == 9 }.map(\.element)
        } else {
            var t: [String] = [], v: [String] = []
            for doc in documents {
                let scalars = Array(doc.unicodeScalars)
                let cut = scalars.count - scalars.count / 10
                var head = String.UnicodeScalarView(), tail = String.UnicodeScalarView()
                head.append(contentsOf: scalars[..<cut])
                tail.append(contentsOf: scalars[cut...])
                t.append(String(head))
                v.append(String(tail))
            }
            train = t
            validation = v
        }
    }

    /// `documents` encoded and joined, each followed by the end-of-text token. `(tokens)`
    public static func tokenStream(_ documents: [String], tokenizer: BPETokenizer) -> [Int32] {
        var out: [Int32] = []
        for doc in documents {
            out += tokenizer.encode(doc).map { Int32($0) }
            out.append(Int32(tokenizer.endOfText))
        }
        return out
    }
}
