// The autocode family: an autocode voice's input (the device or a looped
// file), on/off, level, and the mapping from the encoded latent to the one it
// decodes. Unprefixed, they steer the server's own autocode voice (ID 1026).

import AutocoderEngine
import AutocoderOSC

extension OSCCommand {
    static var autocode: [OSCCommand] {
        var commands: [OSCCommand] = [
            .voice(.autocode, "/autocode/input", [.autocode], .arguments(.path("`device` or a sound file")),
                   "what is autocoded: the device's input (needs `--input-channels`) or a file played in a loop (its range is learned from the whole file when loaded; a file already analysed, with the same size and modification time, is not read again); `/autocode/input s:input` once it plays, then `/done`") { server, id, request in
                try server.autocodeLoad(id).handle(request)
            },
            .voice(.autocode, "/autocode", [.autocode], .arguments(optional: [.flag()]),
                   "starts (fades in) or stops autocoding through the loaded encoder and decoder",
                   value: .live { server, id in [.int(server.settings[id]?.autocodePlaying == true ? 1 : 0)] }) { server, id, request in
                let on = try request.flag(0)
                guard server.settings[id]?.autocodeInput != nil || server.autocodeLoad(id).isLoading else {
                    throw Rejection("no autocode input (send /autocode/input first)")
                }
                server.settings[id, default: VoiceSettings()].autocodePlaying = on
                try server.perform(.play(on), on: id)
            },
            .voice(.autocode, "/autocode/level", [.autocode], .arguments(.float("", 0...4, default: 1)), "the autocode voice's level",
                   value: .setting { _ in [.float(1)] }) { server, id, request in
                try server.ensureVoice(id, .autocode)
                try server.perform(.level(try request.float(0)), on: id)
            },
            .voice(.autocode, "/autocode/range", [.autocode], .none,
                   "forget the input's range and learn it afresh from what comes next (the device input learns it as it plays)") { server, id, _ in
                try server.perform(.autocodeResetRange, on: id)
            },
        ]
        for mapping in AutocodeMapping.allCases {
            commands.append(.voice(.autocode, "/autocode/" + mapping.rawValue, [.autocode], .repeated(mapping.argument, 1...LatentVector.capacity),
                                   mapping.summary) { server, id, request in
                try server.setAutocodeMapping(mapping, id, request)
            })
        }
        return commands
    }
}

extension AutocodeMapping {
    /// One value of the mapping, per dimension.
    var argument: OSCParameter {
        switch self {
        case .reorder: .integer("", 1...LatentVector.capacity, default: "1 2 3 …")
        case .invert: .integer("", 0...1, default: "0")
        case .scale: .float("", -AutocoderServer.mappingLimit...AutocoderServer.mappingLimit, default: 1)
        case .offset: .float("", -AutocoderServer.mappingLimit...AutocoderServer.mappingLimit, default: 0)
        }
    }

    var summary: String {
        switch self {
        case .reorder: "output dimension d takes input dimension reorder[d]"
        case .invert: "1 flips a dimension: v = 1 − v"
        case .scale: "v = v·scale + offset, then clipped to [0,1]"
        case .offset: "added after the scale (see `/autocode/scale`)"
        }
    }
}
