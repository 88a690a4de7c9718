// The tree built from flat methods: containers made for every address above a
// method, methods that are containers too, lookups.

import AutocoderOSCQuery
import XCTest

final class OSCQueryNodeTests: XCTestCase {
    func testContainersAreMadeAboveMethods() throws {
        let load = OSCQueryMethod(fullPath: "/load", typeTags: "s", access: .write)
        let decoder = OSCQueryMethod(fullPath: "/load/decoder", typeTags: "s", access: .write)
        let mix = OSCQueryMethod(fullPath: "/voice/1/mix", typeTags: "f", access: .readWrite, value: [.float(0.5)])
        let tree = OSCQueryNode.tree(of: [decoder, mix, load], descriptions: ["/voice": "voices"])

        XCTAssertEqual(tree.fullPath, "/")
        XCTAssertNil(tree.method)
        XCTAssertEqual(Set(tree.contents.keys), ["load", "voice"])

        let loadNode = try XCTUnwrap(tree.node(at: "/load"))
        XCTAssertEqual(loadNode.method, load, "a method inserted after its child is still there")
        XCTAssertTrue(loadNode.isContainer)
        XCTAssertEqual(loadNode.contents["decoder"], OSCQueryNode(fullPath: "/load/decoder", method: decoder))

        let voice = try XCTUnwrap(tree.node(at: "/voice"))
        XCTAssertEqual(voice.description, "voices")
        XCTAssertNil(voice.method)
        XCTAssertEqual(tree.node(at: "/voice/1")?.fullPath, "/voice/1")
        XCTAssertEqual(tree.node(at: "/voice/1/mix")?.method, mix)
        XCTAssertFalse(try XCTUnwrap(tree.node(at: "/voice/1/mix")).isContainer)

        XCTAssertNil(tree.node(at: "/voice/2"))
        XCTAssertNil(tree.node(at: "/voice/1/mix/deeper"))
        XCTAssertEqual(tree.node(at: "/"), tree)
        XCTAssertEqual(tree.node(at: ""), tree)
    }

    func testTheLastOfTwoMethodsAtOneAddressIsKept() {
        let first = OSCQueryMethod(fullPath: "/gain", typeTags: "f", access: .write)
        let second = OSCQueryMethod(fullPath: "/gain/", typeTags: "d", access: .readWrite)
        XCTAssertEqual(OSCQueryNode.tree(of: [first, second]).node(at: "/gain")?.method, second)
    }

    func testAnEmptyAddressSpaceIsAnEmptyContainer() {
        let tree = OSCQueryNode.tree(of: [])
        XCTAssertTrue(tree.isContainer)
        XCTAssertEqual(tree.contents, [:])
    }
}
