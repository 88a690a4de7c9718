// OSCQuery and zeroconf: the address space the command table declares, every
// address of the server and of each voice, with its type tags, ranges, access,
// description and current value, served over HTTP beside the OSC socket and
// announced as `_oscjson._tcp` and `_osc._udp`. The network thread builds the
// snapshots (`publishAddressSpace`); the HTTP thread only reads them.

import AutocoderEngine
import AutocoderOSC
import AutocoderOSCQuery

extension AutocoderServer {
    /// Serves OSCQuery on the OSC socket's host (at `oscQueryPort`, or the
    /// listen port + 1) and announces it when an Avahi daemon runs. A port asked
    /// for that cannot be had stops the start; the default one is given up with a warning.
    func startOSCQuery() throws {
        let oscPort = socket.port
        let port = configuration.oscQueryPort ?? (oscPort < 65535 ? oscPort + 1 : 0)
        guard port != 0 else { return }
        let snapshot = AddressSpaceSnapshot(wake: wake)
        let service: OSCQueryService
        do {
            service = try OSCQueryService(host: configuration.host, port: port,
                                          hostInfo: OSCQueryHostInfo(name: "autocoder", oscPort: oscPort, oscIP: configuration.host),
                                          descriptions: containerDescriptions, methods: { snapshot.read() })
        } catch {
            let reason = "OSCQuery cannot listen on TCP port \(port): \(error)"
            guard configuration.oscQueryPort == nil else { throw ServerConfigurationError(description: reason + " (--oscquery 0 turns it off)") }
            logger.warning("\(reason); not served (--oscquery PORT picks another)")
            oscQuerySummary = "off (TCP port \(port) is taken; --oscquery PORT picks another)"
            return
        }
        oscQuery = service
        addressSpace = snapshot
        oscQuerySummary = "http://\(configuration.host):\(service.port)/"
        do {
            zeroconf = try ZeroconfAnnouncement(name: "autocoder on port \(oscPort)", oscQueryPort: service.port, oscPort: oscPort) { [logger] event in
                logger.info("zeroconf: \(event)")
            }
            oscQuerySummary += ", announced as _oscjson._tcp and _osc._udp"
        } catch {
            // Said once, in the ready summary; anything but a missing daemon is logged too.
            if error != .noDaemon { logger.warning("\(error)") }
            oscQuerySummary += " (\(error))"
        }
    }

    /// Every address there is now, as OSCQuery describes it.
    func describeAddressSpace() -> [OSCQueryMethod] {
        commands.addresses(voices: engine.voices).filter { $0.isPresent(on: self) }.map { address in
            let command = address.command
            let arity = command.arity.map { $0(self, address.voice ?? 1) }
            let value: [OSCArgument]?
            switch command.value {
            case .none: value = nil
            case let .setting(initial):
                value = settingValues[Self.settingKey(address)] ?? initial(address.voice.flatMap { engine.voices[$0]?.kind } ?? .generative)
            case let .live(read): value = read(self, address.voice ?? 1)
            }
            return OSCQueryMethod(fullPath: address.address, typeTags: command.signature.typeTags(count: arity),
                                  ranges: command.signature.oscQueryRanges(count: arity),
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
    /// One OSCQuery RANGE per type tag (`count` repetitions of a repeated argument; nil: the most).
    func oscQueryRanges(count: Int?) -> [OSCQueryRange] {
        guard repeats || repeatsAfterFirst else { return parameters.map(\.oscQueryRange) }
        return (0..<(count ?? counts.upperBound)).map { parameter(at: $0).oscQueryRange }
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
