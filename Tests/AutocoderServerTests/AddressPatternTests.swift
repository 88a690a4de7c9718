// OSC 1.0 address patterns: the matcher on its own (every form, and malformed
// patterns that must match nothing rather than crash), and over UDP:
// `/latent/[1-4]` and `/latent/{5,6}` set exactly those dimensions,
// `/voice/*/level 0` reaches every voice, a pattern that matches nothing is
// refused, and the server keeps answering.

import AudioTestSupport
import AutocoderOSC
import Foundation
import Testing

@Suite struct AddressPatternTests {
    @Test func theMatcherFollowsOSC1() {
        let cases: [(String, String, Bool)] = [
            ("/latent/[1-4]", "/latent/3", true), ("/latent/[1-4]", "/latent/5", false),
            ("/latent/{5,6}", "/latent/6", true), ("/latent/{5,6}", "/latent/56", false),
            ("/voice/*/level", "/voice/12/level", true), ("/voice/*/level", "/voice/12/pan", false),
            ("/voice/*", "/voice/12/level", false), ("/*/*", "/walk/step", true),
            ("/wal?", "/walk", true), ("/wal?", "/wa", false), ("/[!w]alk", "/walk", false), ("/[!x]alk", "/walk", true),
            ("/*k", "/walk", true), ("/*a*k*", "/walk", true), ("/g{ai,ra}n", "/gain", true),
            ("/[z-a]", "/b", false), ("/[abc", "/a", false), ("/{a,b", "/a", false), ("/[]", "/a", false), ("/*", "/", true),
        ]
        for (pattern, address, expected) in cases {
            #expect(OSCAddressPattern(pattern).matches(address) == expected, "\(pattern) against \(address)")
        }
        #expect(OSCAddressPattern.isPattern("/voice/*/level") && !OSCAddressPattern.isPattern("/voice/2/level"))
    }

    @Test func patternsReachEveryMatchAndOnlyThose() throws {
        let server = try ServerProcess()
        server.send("/walk", [.int(0)])
        server.send("/glide", [.float(0)])
        server.send("/latent", (0..<8).map { _ in .float(0.5) })
        server.send("/latent/[1-4]", [.float(0.25)])
        server.send("/latent/{5,6}", [.float(0.75)])
        usleep(300_000)
        _ = server.request("/status", reply: "/status")
        let latent = server.expect("/status/latent")?.arguments.compactMap(\.float) ?? []
        #expect(latent.count == 8)
        for (index, value) in latent.enumerated() {
            let wanted: Float = index < 4 ? 0.25 : index < 6 ? 0.75 : 0.5
            #expect(abs(value - wanted) < 1e-6, "dimension \(index + 1): \(value)")
        }

        // `*` reaches the dimensions the model has (8), and no refusal for the 24 it has not.
        server.send("/latent/*", [.float(0.625)])
        server.send("/sync", [.int(5)])
        var replies: [String] = []
        while replies.last != "/synced", let reply = server.receive(timeout: 2) { replies.append(reply.address) }
        #expect(replies == ["/synced"], "\(replies)")
        usleep(200_000)
        _ = server.request("/status", reply: "/status")
        #expect(server.expect("/status/latent")?.arguments.compactMap(\.float).allSatisfy { abs($0 - 0.625) < 1e-6 } == true)

        _ = server.request("/voice/new", [.int(2), .string("generative")], reply: "/voice/new")
        _ = server.request("/voice/new", [.int(3), .string("generative")], reply: "/voice/new")
        server.send("/voice/*/level", [.float(0)])
        for id in [1, 2, 3] {
            let status = server.request("/voice/\(id)/status", reply: "/voice/status")
            #expect(status?.arguments[3].float == 0, "voice \(id)'s level")
        }
        #expect(server.expectError("/nothing/*") == "the pattern matches no address")
        #expect(server.expectError("/voice/*/nothing") == "the pattern matches no address")
        #expect(server.expectError("/latent/[z-a") == "the pattern matches no address")
        #expect(server.status()["model"] != nil)
    }
}
