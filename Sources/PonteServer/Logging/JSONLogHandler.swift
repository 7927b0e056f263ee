import Foundation
import Logging
import PonteCore
import Synchronization

/// Writes each log record as one JSON object per line on standard output:
/// `{"ts":"…","level":"info","logger":"ponte","msg":"…", …metadata}`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\":\""
        line += Self.timestamp()
        line += "\",\"level\":\""
        line += event.level.rawValue
        line += "\",\"logger\":"
        JSONText.appendString(label, to: &line)
        line += ",\"msg\":"
        JSONText.appendString(event.message.description, to: &line)
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            guard let value = merged[key] else { continue }
            line += ","
            JSONText.appendString(Self.displayName[key] ?? key, to: &line)
            line += ":"
            JSONText.appendString(value.description, to: &line)
        }
        line += "}\n"
        let bytes = Array(line.utf8)
        Self.output.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(1, base + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    private static let output = Mutex(())

    /// Friendlier names for metadata keys set by libraries.
    private static let displayName = ["hb.request.id": "request_id"]

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
