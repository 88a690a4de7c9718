// The address space as a tree: containers (branches) and methods (leaves).
// An address can be both, a method with CONTENTS (/latent and /latent/1),
// which the proposal allows.
//
// A value: built and read on any thread (the HTTP thread builds one per request).

public struct OSCQueryNode: Sendable, Equatable {
    /// FULL_PATH: "/" for the root, "/latent/1" below it.
    public var fullPath: String
    /// The method at this address, if there is one.
    public var method: OSCQueryMethod?
    /// DESCRIPTION of a container; a method's own description is written in its place.
    public var description: String?
    /// The nodes below, by the last part of their address.
    public var contents: [String: OSCQueryNode]

    public init(fullPath: String, method: OSCQueryMethod? = nil, description: String? = nil, contents: [String: OSCQueryNode] = [:]) {
        self.fullPath = fullPath
        self.method = method
        self.description = description
        self.contents = contents
    }

    /// A node that is not a method is a container even when empty (an empty address space's root):
    /// the proposal takes a node without CONTENTS for a method.
    public var isContainer: Bool { method == nil || !contents.isEmpty }

    /// The tree of `methods`, with a container for every address above one. `descriptions` gives
    /// containers a DESCRIPTION, by full path ("/" for the root). Empty parts of an address are
    /// ignored ("/a//b/" is "/a/b"); of two methods at one address the last is kept.
    public static func tree(of methods: [OSCQueryMethod], descriptions: [String: String] = [:]) -> OSCQueryNode {
        var root = OSCQueryNode(fullPath: "/", description: descriptions["/"])
        for method in methods {
            root.insert(method, at: parts(of: method.fullPath)[...], descriptions: descriptions)
        }
        return root
    }

    /// The node at `path` ("/latent/1"; "/" or "" for this node), nil if there is none.
    public func node(at path: String) -> OSCQueryNode? {
        var node = self
        for part in OSCQueryNode.parts(of: path) {
            guard let child = node.contents[part] else { return nil }
            node = child
        }
        return node
    }

    static func parts(of path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private mutating func insert(_ method: OSCQueryMethod, at parts: ArraySlice<String>, descriptions: [String: String]) {
        guard let first = parts.first else {
            self.method = method
            return
        }
        let childPath = fullPath == "/" ? "/" + first : fullPath + "/" + first
        contents[first, default: OSCQueryNode(fullPath: childPath, description: descriptions[childPath])]
            .insert(method, at: parts.dropFirst(), descriptions: descriptions)
    }
}
