// One OSC method (a leaf of the address space) as the server declares it:
// what `OSCQueryService` asks its provider for on every request.
//
// A value: built on any thread, read on the HTTP thread.

public struct OSCQueryMethod: Sendable, Equatable {
    /// The OSC address, "/latent/1".
    public var fullPath: String
    /// The OSC type tag string without the comma ("ffffffff"); empty for a method that takes no arguments,
    /// which then has no TYPE.
    public var typeTags: String
    /// One range per argument, in the order of `typeTags`.
    public var ranges: [OSCQueryRange]
    public var access: OSCQueryAccess
    /// Written as DESCRIPTION unless empty.
    public var description: String
    /// One value per argument; nil while the method has none (a VALUE query then answers {}).
    /// Served only when `access` is readable.
    public var value: [OSCQueryValue]?

    public init(
        fullPath: String,
        typeTags: String,
        ranges: [OSCQueryRange] = [],
        access: OSCQueryAccess,
        description: String = "",
        value: [OSCQueryValue]? = nil
    ) {
        self.fullPath = fullPath
        self.typeTags = typeTags
        self.ranges = ranges
        self.access = access
        self.description = description
        self.value = value
    }
}
