// One OSC address the server answers, declared once: its name, arguments,
// description, what it does and the value it holds. The dispatch, the request
// checking, the README's address tables and the OSCQuery tree all derive from
// these declarations (OSCCommandTable). The declarations live a file per
// family (OSCCommand+Model.swift, …); their handlers run on the network thread.

import AutocoderEngine
import AutocoderOSC

struct OSCCommand: Sendable {
    /// The families of the README's tables, in their order.
    enum Family: String, CaseIterable {
        case compatibility, model, latent, spectral, snapshots, voices, granular, autocode, filter, listen, recording, training, status, distance, clients

        var title: String {
            switch self {
            case .compatibility: "Compatibility (the Python server's and the Max external's names)"
            case .model: "Model"
            case .latent: "Latent and walk"
            case .spectral: "Spectral controls and shape"
            case .snapshots: "Snapshots and morphs"
            case .voices: "Voices"
            case .granular: "Granular"
            case .autocode: "Autocode"
            case .filter: "Filter"
            case .listen: "Listen"
            case .recording: "Recording"
            case .training: "Training"
            case .status: "Status"
            case .distance: "Distance tables"
            case .clients: "Clients and timing"
            }
        }
    }

    /// Whom the address concerns.
    enum Target: Sendable {
        /// The server as a whole: `/name`.
        case server(@Sendable (AutocoderServer, Request) throws -> Void)
        /// One voice: `/voice/ID/name` for voices of `kinds`, and, when
        /// `unprefixed`, `/name` for the server's own voice of that kind
        /// (voice 1, or the granular voice 1025, or the autocode voice 1026).
        case voice(kinds: Set<VoiceKind>, unprefixed: Bool, @Sendable (AutocoderServer, Int, Request) throws -> Void)
    }

    /// The value an address holds, for OSCQuery's VALUE.
    enum Value: Sendable {
        /// None: the address is an action or a question.
        case none
        /// The arguments last accepted there; before any, `initial` for a voice of that kind.
        case setting(initial: @Sendable (VoiceKind) -> [OSCArgument])
        /// Read from the engine when asked (the latent values sounding now).
        case live(@Sendable (AutocoderServer, Int) -> [OSCArgument]?)
    }

    let family: Family
    /// The address, or for a voice's, what follows `/voice/ID`.
    let name: String
    let signature: OSCSignature
    /// What it does and what it answers, one line.
    let summary: String
    let target: Target
    var value: Value = .none
    /// For one of a run of like addresses (`/latent/1` … `/latent/32`): the
    /// summary of the run, which the README shows as one row.
    var run: String?
    /// For a voice's address that exists only for some models (`/latent/9` for
    /// a model of 16 dimensions): whether voice ID has it now. Patterns and
    /// OSCQuery skip the addresses a voice does not have.
    var present: (@Sendable (AutocoderServer, Int) -> Bool)?
    /// For a repeated argument: how many a voice takes now (the model's latent
    /// dimensions), for OSCQuery's TYPE; nil: the declared most.
    var arity: (@Sendable (AutocoderServer, Int) -> Int)?

    static func server(_ family: Family, _ name: String, _ signature: OSCSignature, _ summary: String,
                       value: Value = .none, _ handle: @escaping @Sendable (AutocoderServer, Request) throws -> Void) -> OSCCommand {
        OSCCommand(family: family, name: name, signature: signature, summary: summary, target: .server(handle), value: value)
    }

    static func voice(_ family: Family, _ name: String, _ kinds: Set<VoiceKind>, unprefixed: Bool = true, _ signature: OSCSignature,
                      _ summary: String, value: Value = .none,
                      _ handle: @escaping @Sendable (AutocoderServer, Int, Request) throws -> Void) -> OSCCommand {
        OSCCommand(family: family, name: name, signature: signature, summary: summary, target: .voice(kinds: kinds, unprefixed: unprefixed, handle),
                   value: value)
    }

    /// The kinds of voice it applies to (nil: the server's).
    var kinds: Set<VoiceKind>? {
        if case let .voice(kinds, _, _) = target { return kinds }
        return nil
    }

    /// Whether `/name` itself is an address.
    var hasPlainAddress: Bool {
        switch target {
        case .server: true
        case let .voice(_, unprefixed, _): unprefixed
        }
    }

    /// The voice `/name` steers, for a voice's address with an unprefixed form.
    var plainVoice: Int? {
        guard case let .voice(kinds, true, _) = target else { return nil }
        return kinds.contains(.generative) ? 1 : kinds.contains(.granular) ? AutocoderServer.granularVoiceID : AutocoderServer.autocodeVoiceID
    }

    /// A setting whose value at start is `value` for every kind of voice.
    static func initially(_ value: OSCArgument) -> Value { .setting(initial: { _ in [value] }) }

    static let everyKind = Set(VoiceKind.allCases)
    /// Generative and filter voices: a latent space played.
    static let modelKinds = Set(VoiceKind.allCases.filter(\.playsModel))
}
