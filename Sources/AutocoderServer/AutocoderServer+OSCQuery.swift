// OSCQuery and zeroconf: the address space the command table declares, every
// address of the server and of each voice, with its type tags, ranges, access,
// description and current value, served over HTTP beside the OSC socket and
// announced as `_oscjson._tcp` and `_osc._udp`. The network thread builds the
// snapshots (`publishAddressSpace`); the HTTP thread only reads them.

import AutocoderEngine
import AutocoderOSC
import AutocoderOSCQuery

extension AutocoderServer {
    /// Every address there is now, as OSCQuery describes it.
    func describeAddressSpace() -> [OSCQueryMethod] {
        commands.addresses(voices: engine.voices).map { address in
            let command = address.command
            let value: [OSCArgument]?
            switch command.value {
            case .none: value = nil
            case let .setting(initial):
                value = settingValues[Self.settingKey(address)] ?? initial(address.voice.flatMap { engine.voices[$0]?.kind } ?? .generative)
            case let .live(read): value = read(self, address.voice ?? 1)
            }
            return OSCQueryMethod(fullPath: address.address, typeTags: command.signature.typeTags, ranges: command.signature.oscQueryRanges,
                                  access: value == nil ? .write : .readWrite, description: command.summary,
                                  value: value.map { $0.map(\.oscQueryValue) })
        }
    }

    /// Publishes a snapshot when the HTTP thread waits for one.
    func publishAddressSpace() {
        guard let addressSpace, addressSpace.isWanted else { return }
        addressSpace.publish(describeAddressSpace())
    }

    /// DESCRIPTION of the containers: the root and the voices.
    var containerDescriptions: [String: String] {
        ["/": "autocoder: a neural synthesis server (OSC over UDP)", "/voice": "every voice, by ID: /voice/ID/…"]
    }
}

extension OSCSignature {
    /// One OSCQuery RANGE per type tag.
    var oscQueryRanges: [OSCQueryRange] {
        let each = parameters.map(\.oscQueryRange)
        return repeats ? Array(repeating: each[0], count: counts.upperBound) : each
    }
}

extension OSCParameter {
    var oscQueryRange: OSCQueryRange {
        switch kind {
        case let .float(range): .bounds(min: Double(range.lowerBound), max: Double(range.upperBound))
        case let .integer(range): .bounds(min: Double(range.lowerBound), max: Double(range.upperBound))
        case .flag: .values([.int(0), .int(1)])
        case let .string(choices) where !choices.isEmpty: .values(choices.map { .string($0) })
        case .number, .string, .path, .word: .unbounded
        }
    }
}

extension OSCArgument {
    var oscQueryValue: OSCQueryValue {
        switch self {
        case let .int(value): .int(Int(value))
        case let .int64(value): .int(Int(value))
        // The float's shortest decimal form: 0.05, not 0.05000000074505806.
        case let .float(value): .float(Double("\(value)") ?? Double(value))
        case let .double(value): .float(value)
        case let .string(value): .string(value)
        case let .bool(value): .bool(value)
        case .null, .other: .null
        }
    }
}
