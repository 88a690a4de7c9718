// The latent family: where in its latent space a generative or filter voice
// is, how it walks and glides there, and whether it plays. Each address is
// voice 1's unprefixed and any such voice's as /voice/ID/….

import AutocoderEngine
import AutocoderOSC

extension OSCCommand {
    static var latent: [OSCCommand] {
        var whole = OSCCommand.voice(.latent, "/latent", modelKinds, .repeated(.float("", 0...1), 1...LatentVector.capacity),
                                     "sets the first k latent targets (up to the model's dimensions); the voice glides to them",
                                     value: .live { server, id in server.sounding(id) }) { server, id, request in
            try request.expect(arguments: 1...server.latentCount(of: id))
            try server.perform(.latent(LatentVector(try (0..<request.count).map { try request.float($0) })), on: id)
        }
        whole.arity = { server, id in server.latentCount(of: id) }
        var commands = [whole]
        for dimension in 1...LatentVector.capacity {
            var target = OSCCommand.voice(.latent, "/latent/\(dimension)", modelKinds, .arguments(.float("", 0...1)), "latent target \(dimension)",
                                          value: .live { server, id in server.sounding(id).map { $0.count >= dimension ? [$0[dimension - 1]] : [] } }) { server, id, request in
                guard dimension <= server.latentCount(of: id) else {
                    throw Rejection("the model has \(server.latentCount(of: id)) latent dimensions")
                }
                try server.perform(.latentDimension(index: dimension - 1, value: try request.float(0)), on: id)
            }
            target.run = "one latent target (up to the model's dimensions)"
            target.present = { server, id in dimension <= server.latentCount(of: id) }
            commands.append(target)
        }
        commands += [
            .voice(.latent, "/walk", modelKinds, .arguments(optional: [.flag()]), "random walk of the targets (on at start)",
                   value: .live { server, id in server.engine.voices[id]?.status.map { [.int($0.isWalking ? 1 : 0)] } }) { server, id, request in
                try server.perform(.walk(try request.flag(0)), on: id)
            },
            parameter(.walkStep, .latent, "largest step per dimension: v += (u − 0.5)·step"),
            parameter(.walkInterval, .latent, "seconds between steps"),
            parameter(.glide, .latent, "time constant of the glide to new targets, in seconds (no zipper noise)"),
            .voice(.latent, "/play", modelKinds, .arguments(optional: [.flag()]), "fades in (or out) over 50 ms",
                   value: .live { server, id in server.engine.voices[id]?.status.map { [.int($0.isPlaying ? 1 : 0)] } }) { server, id, request in
                try server.perform(.play(try request.flag(0)), on: id)
            },
            .voice(.latent, "/stop", modelKinds, .none, "fades out over 50 ms, then exact silence") { server, id, _ in
                try server.perform(.play(false), on: id)
            },
            .voice(.latent, "/reset", modelKinds, .none, "latent targets back to 0.5, mel feedback memory cleared") { server, id, _ in
                try server.perform(.reset, on: id)
            },
        ]
        return commands
    }

    /// The address of an engine parameter: `/NAME f` for the voices of its kinds.
    static func parameter(_ parameter: EngineParameter, _ family: Family, _ summary: String) -> OSCCommand {
        let defaults = Set(parameter.kinds.map { parameter.defaultValue(for: $0) })
        let start = defaults.count == 1 ? nil
            : parameter.kinds.sorted { $0.rawValue < $1.rawValue }.map { "\($0.rawValue): \(OSCParameter.number(parameter.defaultValue(for: $0)))" }
                .joined(separator: "; ")
        let argument = OSCParameter(name: "", kind: .float(parameter.range),
                                    defaultValue: start ?? OSCParameter.number(parameter.defaultValue))
        return .voice(family, "/" + parameter.rawValue, parameter.kinds, unprefixed: parameter.kinds != [.filter], .arguments(argument), summary,
                      value: .setting { kind in [.float(parameter.defaultValue(for: kind))] }) { server, id, request in
            try server.perform(.parameter(parameter, try request.float(0)), on: id)
        }
    }
}
