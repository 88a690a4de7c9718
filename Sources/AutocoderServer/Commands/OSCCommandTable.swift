// Every address the server answers, gathered from the families' declarations:
// finding the declaration an address names (plain, `/voice/ID/…`, or every
// match of a pattern), and describing the whole address space — the README's
// tables (`markdown`, checked against the README by a test) and the OSCQuery
// tree (`descriptions`). A value built once; lookups on the network thread.

import AutocoderEngine
import AutocoderOSC

struct OSCCommandTable: Sendable {
    let commands: [OSCCommand]
    /// Plain addresses: the server's, and voices' unprefixed ones.
    private let plain: [String: Int]
    /// Voices' addresses by what follows `/voice/ID`.
    private let perVoice: [String: Int]

    init(_ commands: [OSCCommand]) {
        self.commands = commands
        var plain: [String: Int] = [:], perVoice: [String: Int] = [:]
        for (index, command) in commands.enumerated() {
            if command.hasPlainAddress {
                precondition(plain.updateValue(index, forKey: command.name) == nil, "\(command.name) is declared twice")
            }
            if command.kinds != nil {
                precondition(perVoice.updateValue(index, forKey: command.name) == nil, "/voice/ID\(command.name) is declared twice")
            }
        }
        self.plain = plain
        self.perVoice = perVoice
        plainAddresses = commands.filter(\.hasPlainAddress).map { Address(address: $0.name, command: $0, voice: $0.plainVoice) }
    }

    /// The plain addresses, made once (patterns are matched against them).
    private let plainAddresses: [Address]

    static let standard = OSCCommandTable(OSCCommand.Family.allCases.flatMap(\.commands))

    /// One address of the server, as a client sends it.
    struct Address: Sendable {
        let address: String
        let command: OSCCommand
        /// The voice it steers (nil: the server's own address).
        let voice: Int?

        /// Whether the voice it steers has it now (see `OSCCommand.present`).
        func isPresent(on server: AutocoderServer) -> Bool {
            guard let voice, let present = command.present else { return true }
            return present(server, voice)
        }
    }

    /// The declaration a plain address names, checked against the voice it names.
    func resolve(_ address: String, voices: [Int: VoiceRecord]) throws -> Address {
        if let index = plain[address] {
            return Address(address: address, command: commands[index], voice: commands[index].plainVoice)
        }
        guard address.hasPrefix("/voice/") else { throw Rejection("unknown address") }
        let rest = address.dropFirst("/voice/".count)
        guard let slash = rest.firstIndex(of: "/"), let id = Int(rest[..<slash]) else { throw Rejection("unknown address") }
        let name = String(rest[slash...])
        guard let index = perVoice[name], let kinds = commands[index].kinds else { throw Rejection("unknown address") }
        guard let record = voices[id] else { throw Rejection("there is no voice \(id)") }
        guard kinds.contains(record.kind) else {
            throw Rejection("voice \(id) is a \(record.kind.rawValue) voice; \(name.dropFirst()) is for \(kinds.map(\.rawValue).sorted().joined(separator: " and ")) voices")
        }
        return Address(address: address, command: commands[index], voice: id)
    }

    /// Every address there is now: the plain ones, then each voice's, by ID.
    /// `voicesToo: false` leaves out the voices' (a pattern that cannot reach them).
    func addresses(voices: [Int: VoiceRecord], voicesToo: Bool = true) -> [Address] {
        var all = plainAddresses
        guard voicesToo else { return all }
        for id in voices.keys.sorted() {
            let kind = voices[id]!.kind
            for command in commands where command.kinds?.contains(kind) == true {
                all.append(Address(address: "/voice/\(id)" + command.name, command: command, voice: id))
            }
        }
        return all
    }

    /// The addresses `pattern` matches now, sorted, leaving out those a voice
    /// does not have (`present`).
    func matches(_ pattern: OSCAddressPattern, on server: AutocoderServer) -> [Address] {
        addresses(voices: server.engine.voices, voicesToo: pattern.firstPartMatches("voice"))
            .filter { pattern.matches($0.address) && $0.isPresent(on: server) }
            .sorted { $0.address < $1.address }
    }
}

extension OSCCommand.Family {
    /// This family's declarations, from its file.
    var commands: [OSCCommand] {
        switch self {
        case .compatibility: OSCCommand.compatibility
        case .model: OSCCommand.model
        case .latent: OSCCommand.latent
        case .spectral: OSCCommand.spectral
        case .snapshots: OSCCommand.snapshots
        case .voices: OSCCommand.voices
        case .granular: OSCCommand.granular
        case .autocode: OSCCommand.autocode
        case .filter: OSCCommand.filter
        case .listen: OSCCommand.listen
        case .recording: OSCCommand.recording
        case .training: OSCCommand.training
        case .status: OSCCommand.status
        case .distance: OSCCommand.distance
        case .clients: OSCCommand.clients
        }
    }
}
