// OSC bundles and their time tags in the codec alone (no server): the tag's
// NTP layout and its Unix time, round trips of bundles nested three deep with
// each message under its innermost bundle's tag, a tag read back bit for bit,
// every truncation of a nested bundle refused as before, and python-osc's
// timed bundles (a real client) read as it meant them.

import AutocoderOSC
import Foundation
import Testing

@Suite struct OSCBundleTests {
    @Test func theTimeTagIsNTPTime() {
        #expect(OSCTimeTag.immediately.value == 1 && OSCTimeTag.immediately.isImmediate)
        #expect(!OSCTimeTag(seconds: 0, fraction: 0).isImmediate)
        let tag = OSCTimeTag(unixTime: 1_700_000_000.25)
        #expect(tag.seconds == 1_700_000_000 + 2_208_988_800 && tag.fraction == 1 << 30)
        #expect(tag.unixTime == 1_700_000_000.25)
        #expect(OSCTimeTag(seconds: tag.seconds, fraction: tag.fraction) == tag)
        #expect(OSCTimeTag(unixTime: 0).value == 2_208_988_800 << 32)
        #expect(OSCTimeTag(unixTime: -2_208_988_800).value == 0)
        // Any time to within a nanosecond (2⁻³² s is 0.23 ns; the Double's own step at 1.7·10⁹ s is 0.24 µs).
        for unix in [1_723_456_789.123_456, 0.5, -1.75, 2_000_000_000.999_999] {
            #expect(abs(OSCTimeTag(unixTime: unix).unixTime - unix) <= unix.ulp, "\(unix)")
        }
        // Outside NTP era 0 (1900 to 2036): clamped to its ends.
        #expect(OSCTimeTag(unixTime: -3e9).value == 0)
        #expect(OSCTimeTag(unixTime: 3e9).value == .max)
    }

    @Test func aBundleRoundTripsWithItsTimeTag() throws {
        let time = OSCTimeTag(unixTime: 1_723_456_789.5)
        let messages = [OSCMessage("/latent/1", [.float(0.25)]), OSCMessage("/play", [.bool(true)]), OSCMessage("/status")]
        let datagram = OSCCodec.encodeBundle(time: time, elements: messages.map { .message($0) })
        #expect(try OSCCodec.decodeTimed(datagram) == messages.map { OSCTimedMessage($0, time: time) })
        #expect(try OSCCodec.decode(datagram) == messages)
        // A message on its own is for now.
        #expect(try OSCCodec.decodeTimed(OSCCodec.encode(messages[0])) == [OSCTimedMessage(messages[0], time: .immediately)])
        // An empty bundle holds nothing.
        #expect(try OSCCodec.decodeTimed(OSCCodec.encodeBundle(time: time, elements: [])).isEmpty)
    }

    @Test func nestedBundlesKeepTheirOwnTags() throws {
        let (outer, middle, inner) = (OSCTimeTag(unixTime: 1_800_000_000), OSCTimeTag(unixTime: 1_800_000_001.25), OSCTimeTag.immediately)
        let a = OSCMessage("/gain", [.float(0.5)]), b = OSCMessage("/latent/[1-4]", [.float(0.25)])
        let c = OSCMessage("/voice/*/level", [.int(0)]), d = OSCMessage("/walk", [.bool(false)]), e = OSCMessage("/play", [.int(1)])
        let datagram = OSCCodec.encodeBundle(time: outer, elements: [
            .message(a),
            .bundle(time: middle, elements: [.message(b), .bundle(time: inner, elements: [.message(c)]), .message(d)]),
            .message(e),
        ])
        #expect(try OSCCodec.decodeTimed(datagram) == [
            OSCTimedMessage(a, time: outer), OSCTimedMessage(b, time: middle), OSCTimedMessage(c, time: inner),
            OSCTimedMessage(d, time: middle), OSCTimedMessage(e, time: outer),
        ])
        #expect(try OSCCodec.decode(datagram) == [a, b, c, d, e])
    }

    @Test func aTimeTagIsReadBackBitForBit() throws {
        // Big-endian at bytes 8..<16, each bit where it was: no trip through a Double.
        for value: UInt64 in [0xDEAD_BEEF_1234_5679, 2, .max, 0x8000_0000_0000_0001] {
            let datagram = OSCCodec.encodeBundle(time: OSCTimeTag(value), elements: [.message(OSCMessage("/status"))])
            #expect(datagram[8..<16].reduce(0) { $0 << 8 | UInt64($1) } == value)
            #expect(try OSCCodec.decodeTimed(datagram).map(\.time.value) == [value])
        }
    }

    @Test func everyTruncationOfANestedBundleIsRefused() throws {
        let datagram = OSCCodec.encodeBundle(time: OSCTimeTag(unixTime: 1_800_000_000), elements: [
            .message(OSCMessage("/latent/1", [.float(0.5)])),
            .bundle(time: .immediately, elements: [.message(OSCMessage("/gain", [.float(1)]))]),
        ])
        // The ends of the outer bundle's elements: cut there, it is a shorter bundle.
        let first = 16 + 4 + OSCCodec.encode(OSCMessage("/latent/1", [.float(0.5)])).count
        let wholes: [Int: Int] = [16: 0, first: 1, datagram.count: 2]
        for length in 8..<datagram.count {
            let cut = Array(datagram.prefix(length))
            if let count = wholes[length] {
                #expect(try OSCCodec.decode(cut).count == count)
                continue
            }
            let reason = (#expect(throws: OSCDecodingError.self) { try OSCCodec.decodeTimed(cut) })?.reason ?? ""
            // Cut within the header, within an element's size, or within an element (a message or the inner bundle).
            let expected = length < 16 ? "bundle header is truncated"
                : [16, first].contains { length > $0 && length < $0 + 4 } ? "bundle element size is truncated"
                : "does not fit the datagram"
            #expect(reason.contains(expected), "\(length) bytes: \(reason)")
            // The flattening decoder refuses it the same way.
            #expect((#expect(throws: OSCDecodingError.self) { try OSCCodec.decode(cut) })?.reason == reason)
        }
    }

    /// python-osc's bundles: its time tag (a Unix time) arrives as that time, nested ones as theirs.
    @Test func pythonOSCTimedBundles() throws {
        let python = Binaries.root + "/.venv-litert/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: run scripts/test")
            return
        }
        let script = """
        import sys
        from pythonosc import osc_bundle_builder, osc_message_builder
        def message(address, value):
            m = osc_message_builder.OscMessageBuilder(address=address)
            m.add_arg(value)
            return m.build()
        outer = osc_bundle_builder.OscBundleBuilder(1723456789.25)
        outer.add_content(message("/latent/[1-4]", 0.25))
        inner = osc_bundle_builder.OscBundleBuilder(1723456790.5)
        inner.add_content(message("/voice/*/level", 0.0))
        outer.add_content(inner.build())
        sys.stdout.write(outer.build().dgram.hex())
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let hex = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let bytes = stride(from: 0, to: hex.count - 1, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
        let decoded = try OSCCodec.decodeTimed(bytes)
        #expect(decoded.map(\.message) == [OSCMessage("/latent/[1-4]", [.float(0.25)]), OSCMessage("/voice/*/level", [.float(0)])])
        #expect(decoded.map(\.time.unixTime) == [1_723_456_789.25, 1_723_456_790.5])
    }
}
