import Foundation

/// Plain reasons for Foundation's file errors ("permission denied", "no such file or
/// directory"), instead of their localized sentences or `NSCocoaErrorDomain` codes.
public enum FileErrorText {
    /// The reason `error` failed, in lower case, without the path.
    public static func reason(_ error: Error) -> String {
        guard let cocoa = error as? CocoaError else {
            if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)).lowercased() }
            return "\(error)"
        }
        switch cocoa.code {
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file or directory"
        case .fileWriteOutOfSpace: return "no space left on device"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        case .fileWriteFileExists: return "file exists"
        case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding, .fileWriteInapplicableStringEncoding:
            return "not valid UTF-8"
        default:
            if let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32(underlying.code))).lowercased()
            }
            return cocoa.localizedDescription
        }
    }

    /// "path: reason" when `error` names a file, else the reason alone.
    public static func message(_ error: Error) -> String {
        guard let cocoa = error as? CocoaError, let path = cocoa.filePath ?? cocoa.url?.path else { return reason(error) }
        return "\(path): \(reason(error))"
    }
}
