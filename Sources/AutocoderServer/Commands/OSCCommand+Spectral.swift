// The spectral family: how a voice's decoded spectrum is shaped and given a
// phase, the master gain, and the FFT size and hop every generative voice plays at.

import AutocoderEngine
import AutocoderModel
import AutocoderOSC

extension OSCCommand {
    static var spectral: [OSCCommand] {
        [
            parameter(.brightness, .spectral, "mel band i scaled by (i/512)^b (0 = off)"),
            parameter(.whitening, .spectral,
                      "mel values raised to w (lower flattens the spectrum), times maxin/32 (1 = off); a filter voice's input frame, normalised to its peak, raised to w: towards 0 the model's colour shows through, 1 keeps the input's own"),
            parameter(.feedback, .spectral, "each mel frame mixed with the last: m = (1−f)m + f·m_prev"),
            parameter(.smoothing, .spectral, "one-pole smoothing of the spectrum across hops"),
            parameter(.width, .spectral,
                      "with two or more channels: 0 = the same signal on each, 1 = the same spectrum with independent phases on every other channel (odd and even channels; the two sides of a pan) — decorrelated, as wide as the speakers. Ramped over 50 ms"),
            .server(.spectral, "/gain", .arguments(.float("", EngineParameter.gain.range, default: EngineParameter.gain.defaultValue)),
                    "output gain, linear, ramped over 20 ms (every voice)",
                    value: .setting { _ in [.float(EngineParameter.gain.defaultValue)] }) { server, request in
                try server.perform(.parameter(.gain, try request.float(0)))
            },
            .voice(.spectral, "/phase", [.generative], .arguments(.string("phase", choices: PhaseMode.allCases.map(\.rawValue), default: "random; `serve --phase`")),
                   "how the spectrum gets its phase (see *Phase*): a fresh random phase per bin and hop (the published method), phase-gradient heap integration (follows the spectrum: clean partials), or each bin at its centre frequency (a baseline). Changes at the next hop without a click",
                   value: .setting { _ in [.string(PhaseMode.random.rawValue)] }) { server, id, request in
                try server.perform(.phase(PhaseMode(rawValue: try request.string(0))!), on: id)
            },
            .server(.spectral, "/fft", .arguments(.integer("size", SynthesisShape.fftSizes, default: "4096"), optional: [.integer("hop", 32...8192)]),
                    "FFT size, a power of two; without a hop, the hop is kept or clamped to size/2. The old shape plays on while the new one fills its overlap-add, then a 30 ms equal-power crossfade: no gap, at any moment and block size; `/done s:/fft` once the engine has it") { server, request in
                let fft = try request.integer(0)
                let hop = request.count == 2 ? try request.integer(1) : SynthesisShape.defaultHop(keeping: server.requestedShape.hop, fftSize: fft)
                try server.reshape(fftSize: fft, hop: hop)
                server.doneWhenTaken(request.address, requester: server.lastSender!)
            },
            .server(.spectral, "/hop", .arguments(.integer("", 32...8192, default: "512")),
                    "hop, a power of two up to fft/2; changes like `/fft` (`/done s:/hop`)") { server, request in
                try server.reshape(fftSize: server.requestedShape.fftSize, hop: try request.integer(0))
                server.doneWhenTaken(request.address, requester: server.lastSender!)
            },
        ]
    }
}
