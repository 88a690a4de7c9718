// What stops a report that is not a model file's fault (drawing, encoding the
// PNG). Problems with files are ModelFileErrors naming the file. Values; any thread.

public struct ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
