/// Minimal path-string helpers (no Foundation), for folder + file name handling.
enum PathNames {
    /// `name` inside `folder`.
    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The part of `path` after its last `/` (the whole path if it has none).
    static func lastComponent(_ path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }
}
