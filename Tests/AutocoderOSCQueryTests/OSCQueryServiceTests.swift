// The OSCQuery server over real sockets: the JSON of the whole tree, of one
// node and of one attribute, byte for byte; HOST_INFO; the proposal's error
// statuses; HEAD, other methods, keep-alive and closing; values following the
// provider's snapshot.

import AutocoderOSCQuery
import NIOConcurrencyHelpers
import XCTest

final class OSCQueryServiceTests: XCTestCase {
    /// What the provider reads: the part of the address space that changes.
    struct Snapshot {
        var gain = 0.25
        var voices: Int? = 4
    }

    static func methods(_ snapshot: Snapshot) -> [OSCQueryMethod] {
        [
            OSCQueryMethod(
                fullPath: "/gain", typeTags: "f", ranges: [.bounds(min: 0, max: 4)], access: .readWrite,
                description: "output gain", value: [.float(snapshot.gain)]
            ),
            OSCQueryMethod(
                fullPath: "/latent", typeTags: "ffffffff", ranges: Array(repeating: .bounds(min: -4, max: 4), count: 8),
                access: .readWrite, description: "latent point", value: (0..<8).map { .float(Double($0) * 0.5) }
            ),
            OSCQueryMethod(
                fullPath: "/latent/1", typeTags: "f", ranges: [.bounds(min: 0, max: 1)], access: .write,
                description: "latent dimension 1"
            ),
            OSCQueryMethod(
                fullPath: "/phase", typeTags: "s", ranges: [.values([.string("random"), .string("pghi"), .string("coherent")])],
                access: .readWrite, description: "phase reconstruction", value: [.string("pghi")]
            ),
            OSCQueryMethod(
                fullPath: "/voices", typeTags: "i", ranges: [.bounds(min: 1, max: 8)], access: .read,
                value: snapshot.voices.map { [.int($0)] }
            ),
            OSCQueryMethod(fullPath: "/quit", typeTags: "", access: .write, description: "stop the server"),
        ]
    }

    // The nodes as the server must write them (sorted keys, no escaped slashes).
    static let gain = #"{"ACCESS":3,"DESCRIPTION":"output gain","FULL_PATH":"/gain","RANGE":[{"MAX":4,"MIN":0}],"TYPE":"f","VALUE":[0.25]}"#
    static let latent1 = #"{"ACCESS":2,"DESCRIPTION":"latent dimension 1","FULL_PATH":"/latent/1","RANGE":[{"MAX":1,"MIN":0}],"TYPE":"f"}"#
    static let latent = #"{"ACCESS":3,"CONTENTS":{"1":"# + latent1 + #"},"DESCRIPTION":"latent point","FULL_PATH":"/latent","RANGE":["#
        + Array(repeating: #"{"MAX":4,"MIN":-4}"#, count: 8).joined(separator: ",")
        + #"],"TYPE":"ffffffff","VALUE":[0,0.5,1,1.5,2,2.5,3,3.5]}"#
    static let phase = #"{"ACCESS":3,"DESCRIPTION":"phase reconstruction","FULL_PATH":"/phase","RANGE":[{"VALS":["random","pghi","coherent"]}],"TYPE":"s","VALUE":["pghi"]}"#
    static let quit = #"{"ACCESS":2,"DESCRIPTION":"stop the server","FULL_PATH":"/quit"}"#
    static let voices = #"{"ACCESS":1,"FULL_PATH":"/voices","RANGE":[{"MAX":8,"MIN":1}],"TYPE":"i","VALUE":[4]}"#
    static let root = #"{"ACCESS":0,"CONTENTS":{"gain":"# + gain + #","latent":"# + latent + #","phase":"# + phase
        + #","quit":"# + quit + #","voices":"# + voices + #"},"DESCRIPTION":"autocoder","FULL_PATH":"/"}"#
    static let hostInfo = #"{"EXTENSIONS":{"ACCESS":true,"CLIPMODE":false,"CRITICAL":false,"DESCRIPTION":true,"EXTENDED_TYPE":false,"#
        + #""HTML":false,"LISTEN":false,"OVERLOADS":false,"PATH_CHANGED":false,"RANGE":true,"TAGS":false,"UNIT":false,"VALUE":true},"#
        + #""NAME":"autocoder test","OSC_IP":"127.0.0.1","OSC_PORT":9000,"OSC_TRANSPORT":"UDP"}"#

    private var snapshot: NIOLockedValueBox<Snapshot>!
    private var service: OSCQueryService!
    private var client: HTTPTestClient!

    override func setUpWithError() throws {
        let snapshot = NIOLockedValueBox(Snapshot())
        self.snapshot = snapshot
        service = try OSCQueryService(
            host: "127.0.0.1", port: 0,
            hostInfo: OSCQueryHostInfo(name: "autocoder test", oscPort: 9000, oscIP: "127.0.0.1"),
            descriptions: ["/": "autocoder"],
            methods: { Self.methods(snapshot.withLockedValue { $0 }) }
        )
        client = try HTTPTestClient(port: service.port)
    }

    override func tearDown() {
        client = nil
        service.stop()
    }

    private func get(_ target: String) throws -> HTTPTestClient.Response {
        try client.request("GET", target)
    }

    func testTheRootIsTheWholeAddressSpace() throws {
        let response = try get("/")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        XCTAssertEqual(response.text, Self.root)
        // Parsed, the numbers are numbers: the float value, the integer ACCESS.
        let root = try XCTUnwrap(response.json() as? [String: Any])
        let gain = try XCTUnwrap((root["CONTENTS"] as? [String: Any])?["gain"] as? [String: Any])
        XCTAssertEqual(gain["VALUE"] as? [Double], [0.25])
        XCTAssertEqual(gain["ACCESS"] as? Int, 3)
    }

    func testANodeIsServedWithEverythingBelowIt() throws {
        XCTAssertEqual(try get("/gain").text, Self.gain)
        XCTAssertEqual(try get("/latent").text, Self.latent, "a method with CONTENTS")
        XCTAssertEqual(try get("/latent/1").text, Self.latent1)
        XCTAssertEqual(try get("/phase").text, Self.phase)
        XCTAssertEqual(try get("/quit").text, Self.quit, "no arguments: no TYPE, no VALUE, no CONTENTS")
        XCTAssertEqual(try get("/voices").text, Self.voices)
    }

    func testPathsAreDecodedAndNormalised() throws {
        XCTAssertEqual(try get("/ph%61se").text, Self.phase)
        XCTAssertEqual(try get("/gain/").text, Self.gain)
        XCTAssertEqual(try get("//latent//1").text, Self.latent1)
        XCTAssertEqual(try get("/gain#fragment").text, Self.gain)
        XCTAssertEqual(try get("http://127.0.0.1:\(service.port)/gain?VALUE").text, #"{"VALUE":[0.25]}"#)
        XCTAssertEqual(try get("/gain%zz").status, 400)
        XCTAssertEqual(try get("/gain%00").status, 404)
        XCTAssertEqual(try get("*").status, 400)
    }

    func testAttributeQueries() throws {
        XCTAssertEqual(try get("/gain?VALUE").text, #"{"VALUE":[0.25]}"#)
        XCTAssertEqual(try get("/gain?VALUE#x").text, #"{"VALUE":[0.25]}"#)
        XCTAssertEqual(try get("/gain?TYPE").text, #"{"TYPE":"f"}"#)
        XCTAssertEqual(try get("/gain?ACCESS").text, #"{"ACCESS":3}"#)
        XCTAssertEqual(try get("/gain?FULL_PATH").text, #"{"FULL_PATH":"/gain"}"#)
        XCTAssertEqual(try get("/gain?DESCRIPTION").text, #"{"DESCRIPTION":"output gain"}"#)
        XCTAssertEqual(try get("/phase?RANGE").text, #"{"RANGE":[{"VALS":["random","pghi","coherent"]}]}"#)
        XCTAssertEqual(try get("/latent?CONTENTS").text, #"{"CONTENTS":{"1":"# + Self.latent1 + "}}")
        // Attributes a node lacks: an empty object (the proposal's /baz?TYPE).
        XCTAssertEqual(try get("/?TYPE").text, "{}")
        XCTAssertEqual(try get("/quit?RANGE").text, "{}")
        XCTAssertEqual(try get("/gain?CONTENTS").text, "{}")
        // VALUE of what cannot be read: 204, no body.
        for target in ["/quit?VALUE", "/latent/1?VALUE", "/?VALUE"] {
            let response = try get(target)
            XCTAssertEqual(response.status, 204, target)
            XCTAssertEqual(response.body, Data(), target)
        }
        // Unknown attributes: 400; unknown nodes: 404 before any attribute but HOST_INFO.
        XCTAssertEqual(try get("/gain?BOGUS").status, 400)
        XCTAssertEqual(try get("/gain?HTML").status, 400)
        XCTAssertEqual(try get("/nowhere?VALUE").status, 404)
        // A connection stays usable after every one of those.
        XCTAssertEqual(try get("/gain?VALUE").status, 200)
    }

    func testAReadableMethodWithoutAValueYet() throws {
        snapshot.withLockedValue { $0.voices = nil }
        XCTAssertEqual(try get("/voices?VALUE").text, "{}")
        XCTAssertEqual(try get("/voices").text, #"{"ACCESS":1,"FULL_PATH":"/voices","RANGE":[{"MAX":8,"MIN":1}],"TYPE":"i"}"#)
    }

    func testValuesFollowTheProvidersSnapshot() throws {
        XCTAssertEqual(try get("/gain?VALUE").text, #"{"VALUE":[0.25]}"#)
        snapshot.withLockedValue { $0.gain = 3.125 }
        XCTAssertEqual(try get("/gain?VALUE").text, #"{"VALUE":[3.125]}"#)
        snapshot.withLockedValue { $0.gain = .nan }
        XCTAssertEqual(try get("/gain?VALUE").text, #"{"VALUE":[null]}"#, "not a JSON number: null")
    }

    func testHostInfoWhateverThePath() throws {
        for target in ["/?HOST_INFO", "/gain?HOST_INFO", "/nowhere?HOST_INFO"] {
            let response = try get(target)
            XCTAssertEqual(response.status, 200, target)
            XCTAssertEqual(response.text, Self.hostInfo, target)
        }
    }

    func testUnknownAddressesAre404() throws {
        for target in ["/nowhere", "/gain/deeper", "/latent/2", "/Gain"] {
            XCTAssertEqual(try get(target).status, 404, target)
        }
    }

    func testHeadHasTheHeadersOfGetAndNoBody() throws {
        let get = try get("/")
        let head = try client.request("HEAD", "/")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["content-length"], String(get.body.count))
        XCTAssertEqual(head.headers["content-type"], "application/json")
        // Had a body followed, it would be read here as the next response's status line.
        XCTAssertEqual(try self.get("/quit").text, Self.quit)
    }

    func testOtherMethodsAreNotAllowed() throws {
        let post = try client.request("POST", "/gain", body: "1.5")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.headers["allow"], "GET, HEAD")
        XCTAssertEqual(try client.request("PUT", "/gain", body: "x").status, 405)
        XCTAssertEqual(try client.request("DELETE", "/gain").status, 405)
        XCTAssertEqual(try get("/gain").text, Self.gain, "the body sent was read and dropped")
    }

    func testGarbageIsABadRequestAndClosesTheConnection() throws {
        try client.send("NOT HTTP AT ALL\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 400)
        XCTAssertTrue(try client.isClosedByServer())
    }

    func testKeepAliveAndClose() throws {
        for _ in 0..<3 { XCTAssertEqual(try get("/gain?VALUE").status, 200) }
        let last = try client.request("GET", "/gain?VALUE", headers: ["Connection: close"])
        XCTAssertEqual(last.text, #"{"VALUE":[0.25]}"#)
        XCTAssertEqual(last.headers["connection"], "close")
        XCTAssertTrue(try client.isClosedByServer())

        // HTTP/1.0 closes unless asked otherwise.
        let old = try HTTPTestClient(port: service.port)
        try old.send("GET /gain?VALUE HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try old.readResponse().text, #"{"VALUE":[0.25]}"#)
        XCTAssertTrue(try old.isClosedByServer())
    }

    func testPortZeroPicksAFreePortAndATakenPortThrows() throws {
        let other = try OSCQueryService(host: "127.0.0.1", port: 0, hostInfo: OSCQueryHostInfo(name: "other", oscPort: 1)) { [] }
        defer { other.stop() }
        XCTAssertNotEqual(other.port, 0)
        XCTAssertNotEqual(other.port, service.port)
        XCTAssertEqual(try HTTPTestClient(port: other.port).request("GET", "/").text, #"{"ACCESS":0,"CONTENTS":{},"FULL_PATH":"/"}"#)
        XCTAssertThrowsError(try OSCQueryService(host: "127.0.0.1", port: service.port, hostInfo: OSCQueryHostInfo(name: "x", oscPort: 1)) { [] })
    }

    func testStopClosesTheListeningSocket() throws {
        let port = service.port
        service.stop()
        service.stop()
        XCTAssertThrowsError(try HTTPTestClient(port: port))
    }
}
