// The granular family: a granular voice's material (a sound and its
// similarity table), on/off, grain controls and jumps. Unprefixed, they steer
// the server's own granular voice (ID 1025, made at the first use).

import AutocoderEngine
import AutocoderModel
import AutocoderOSC

extension OSCCommand {
    static var granular: [OSCCommand] {
        var commands: [OSCCommand] = [
            .voice(.granular, "/load/granular", [.granular], .arguments(optional: [.path("anchor", default: "the loaded model's")]),
                   "loads the sound `anchor` and `anchor.ord.npy` as the granular voice's material; `/loaded s:anchor`, then `/done`") { server, id, request in
                try server.granularLoad(id).handle(request)
            },
            .voice(.granular, "/granular", [.granular], .arguments(optional: [.flag()]), "starts (fades in) or stops the granular voice",
                   value: .live { server, id in [.int(server.settings[id]?.granularPlaying == true ? 1 : 0)] }) { server, id, request in
                let on = try request.flag(0)
                if !server.granularLoad(id).isLoading { _ = try server.loadedGranularTable(id) }
                server.settings[id, default: VoiceSettings()].granularPlaying = on
                try server.perform(.play(on), on: id)
            },
        ]
        for parameter in GranularParameter.allCases {
            let argument: OSCParameter = parameter == .pool
                ? .integer("", Int(parameter.range.lowerBound)...Int(parameter.range.upperBound), default: "10; at most the table's width")
                : .float("", parameter.range, default: parameter.defaultValue)
            commands.append(.voice(.granular, "/granular/" + parameter.rawValue, [.granular], .arguments(argument), parameter.summary,
                                   value: .setting { _ in [parameter == .pool ? .int(Int32(parameter.defaultValue)) : .float(parameter.defaultValue)] }) { server, id, request in
                let value: Float
                if parameter == .pool {
                    let most = server.settings[id]?.granularTable?.neighbours ?? Int(parameter.range.upperBound)
                    value = Float(try request.integer(0, in: 1...most))
                } else {
                    value = try request.float(0)
                }
                server.settings[id, default: VoiceSettings()].granular[parameter] = value
                try server.perform(.granular(parameter, value), on: id)
            })
        }
        commands.append(.voice(.granular, "/granular/frame", [.granular], .arguments(.integer("frame", 0...Int(Int32.max))),
                               "the next grain comes from this training frame") { server, id, request in
            let table = try server.loadedGranularTable(id)
            try server.perform(.granularJump(try request.integer(0, in: 0...table.frames - 1)), on: id)
        })
        return commands
    }
}

extension GranularParameter {
    /// What the control does, for the address tables.
    var summary: String {
        switch self {
        case .pool: "candidates for the next grain: order[frame][⌊u^p·n⌋]"
        case .power: "p: above 1 stays close, below 1 wanders"
        case .size: "grain length in seconds (Hann-windowed)"
        case .rate: "grains per second; overlapping grains are scaled by 1/√(0.375 · overlap), so the voice keeps the source's loudness however dense (within 1 dB from 10 to 1000 grains/s of 0.5 s grains)"
        case .level: "the granular voice's level"
        }
    }
}
