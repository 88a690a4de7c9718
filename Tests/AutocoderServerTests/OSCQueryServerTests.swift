// OSCQuery as a controller sees it: `GET /` on the listen port + 1 lists
// exactly the README tables' addresses (the server's own, and /voice/N/… of
// voices of every kind), with type tags, ranges and current values;
// `?HOST_INFO` names the OSC port and UDP (addresses a voice's model does
// not have, /latent/9 … for a model of 8 dimensions, are left out); a node and one attribute can be
// asked for; `--oscquery 0` serves nothing.

import AudioTestSupport
import AutocoderOSC
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// GET `path` from 127.0.0.1:`port`: the status and the body as JSON (nil when none).
func fetchJSON(port: Int, _ path: String) throws -> (status: Int, json: Any?) {
    let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (Int, Data?, Error?) = (0, nil, nil)
    URLSession.shared.dataTask(with: url) { data, response, error in
        result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data, error)
        done.signal()
    }.resume()
    guard done.wait(timeout: .now() + 10) == .success else { throw HarnessError(description: "GET \(path) timed out") }
    if let error = result.2 { throw error }
    // Only a 200 carries JSON (a 404's body is text).
    let json = try result.1.flatMap { $0.isEmpty || result.0 != 200 ? nil : try JSONSerialization.jsonObject(with: $0) }
    return (result.0, json)
}

@Suite struct OSCQueryServerTests {
    /// Every leaf of an OSCQuery tree, by full path.
    static func leaves(_ node: [String: Any], into found: inout [String: [String: Any]]) {
        if node["TYPE"] != nil || node["ACCESS"] as? Int != 0, let path = node["FULL_PATH"] as? String { found[path] = node }
        for case let child as [String: Any] in (node["CONTENTS"] as? [String: Any] ?? [:]).values { leaves(child, into: &found) }
    }

    @Test func theTreeIsTheReadmeTablesWithTypesRangesAndValues() throws {
        let server = try ServerProcess()
        let port = server.listenPort + 1
        for (id, kind) in [(2, "granular"), (3, "autocode"), (4, "filter")] {
            _ = server.request("/voice/new", [.int(Int32(id)), .string(kind)], reply: "/voice/new")
        }
        server.send("/gain", [.int(2)])
        server.send("/voice/4/tail", [.float(0.25)])
        _ = server.request("/sync", [.int(1)], reply: "/synced")

        let (status, json) = try fetchJSON(port: port, "/")
        #expect(status == 200)
        var found: [String: [String: Any]] = [:]
        Self.leaves(try #require(json as? [String: Any]), into: &found)

        // Exactly the README's addresses: the plain ones, and each /voice/ID/… under a voice of a kind that takes it.
        let readme = try AddressTableTests.readmeAddresses()
        let plain = Set(readme.filter { !$0.hasPrefix("/voice/ID/") })
        // (The bundled model has 8 latent dimensions: /latent/9 … /latent/32 are not there for it.)
        let beyond = Set((9...32).map { "/latent/\($0)" })
        #expect(Set(found.keys.filter { !$0.hasPrefix("/voice/") || $0 == "/voice/new" }) == plain.subtracting(beyond))
        let perVoice = Set(readme.filter { $0.hasPrefix("/voice/ID/") }.map { String($0.dropFirst("/voice/ID".count)) })
        let served = Set(found.keys.compactMap { path -> String? in
            let parts = path.split(separator: "/", maxSplits: 2)
            guard parts.count == 3, parts[0] == "voice", Int(parts[1]) != nil else { return nil }
            return "/" + parts[2]
        })
        #expect(served == perVoice.subtracting(beyond), "missing: \(perVoice.subtracting(served).sorted()), extra: \(served.subtracting(perVoice).sorted())")

        let gain = try #require(found["/gain"])
        #expect(gain["TYPE"] as? String == "f")
        let range = try #require((gain["RANGE"] as? [[String: Any]])?.first)
        #expect(range["MIN"] as? Double == 0 && range["MAX"] as? Double == 4)
        #expect(gain["VALUE"] as? [Double] == [2], "the value last set (an int sent for a float is the float)")
        #expect(gain["ACCESS"] as? Int == 3)
        #expect(found["/voice/4/tail"]?["VALUE"] as? [Double] == [0.25])
        #expect(found["/voice/4/whitening"]?["VALUE"] as? [Double] == [0.5], "a filter voice's own default")
        #expect(found["/whitening"]?["VALUE"] as? [Double] == [1])
        #expect(found["/quit"]?["ACCESS"] as? Int == 2 && found["/quit"]?["TYPE"] == nil)
        #expect(found["/record/start"]?["TYPE"] as? String == "ss")
        #expect(found["/voice/new"]?["TYPE"] as? String == "iss")
        #expect((found["/latent"]?["VALUE"] as? [Double])?.count == 8, "voice 1's latent values sounding now")
        #expect(found["/latent"]?["TYPE"] as? String == "ffffffff", "as many as the model has")
        #expect(found["/voice/2/granular/size"]?["TYPE"] as? String == "f")
        #expect(found["/voice/3/autocode/reorder"] != nil && found["/voice/1/autocode/reorder"] == nil)

        let phase = try fetchJSON(port: port, "/voice/1/phase")
        let vals = ((phase.json as? [String: Any])?["RANGE"] as? [[String: Any]])?.first?["VALS"] as? [String]
        #expect(vals == ["random", "pghi", "coherent"])
        let value = try fetchJSON(port: port, "/gain?VALUE")
        #expect((value.json as? [String: Any])?["VALUE"] as? [Double] == [2])
        #expect(try fetchJSON(port: port, "/no/such/node").status == 404)

        let host = try #require(try fetchJSON(port: port, "/?HOST_INFO").json as? [String: Any])
        #expect(host["OSC_PORT"] as? Int == server.listenPort)
        #expect(host["OSC_TRANSPORT"] as? String == "UDP")
        #expect(host["NAME"] as? String == "autocoder")

        // The tree follows the voices: a freed voice leaves it.
        server.send("/voice/2/free")
        _ = server.expect("/voice/freed")
        var after: [String: [String: Any]] = [:]
        Self.leaves(try #require(try fetchJSON(port: port, "/").json as? [String: Any]), into: &after)
        #expect(after["/voice/2/granular/size"] == nil && after["/voice/3/autocode"] != nil)
    }

    @Test func zeroTurnsItOff() throws {
        let server = try ServerProcess(["--null-output", "--oscquery", "0"])
        #expect(throws: (any Error).self) { try fetchJSON(port: server.listenPort + 1, "/") }
    }
}
