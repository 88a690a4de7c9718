// The filter family: a filter voice's input and the controls of the model as
// a filter on it. They exist as /voice/ID/… only (no filter voice exists from
// start); the latent and spectral controls apply to filter voices too.

import AutocoderEngine
import AutocoderOSC

extension OSCCommand {
    static var filter: [OSCCommand] {
        [
            .voice(.filter, "/input", [.filter], unprefixed: false,
                   .arguments(.string("`device`, a sound file (inside `--root`) or `voice`"), optional: [.integer("other voice", 1...SynthesisEngine.maxID)]),
                   "a filter voice's input: the device's (mixed to mono; needs `serve --input-channels 1` or more), a file played in a loop (read and resampled off the audio thread), or another voice's output before its level and routing, 1024 samples later (so a chain of filter voices is a reverb of reverbs). `/voice/input i:ID s:INPUT [i:OTHER]` once it plays, then `/done`; its own output (use `/voice/ID/tail`), a voice that does not exist or a missing device input gets `/error`, and the input before plays on",
                   value: .live { server, id in server.settings[id]?.filterInput }) { server, id, request in
                try server.filterInputLoad(id).handle(request)
            },
            parameter(.autofilter, .filter,
                      "takes away a × a per-bin running average of the filtered spectrum (0.9 old, 0.1 new), floored at 0: what changes stays, what lasts fades"),
            parameter(.tail, .filter,
                      "the filtered output, `predelay` later, fed back into the input with this gain — a tail that keeps its colour moving with the latent; bounded whatever the model (energy below the input's / (1 − g)²); at 0 the voice is exactly silent one FFT and one hop after its input stops"),
            parameter(.predelay, .filter, "seconds before the output comes back as input (on top of the one FFT the filter takes)"),
            parameter(.mix, .filter, "1 = all filtered, 0 = the dry input alone (ramped over 20 ms)"),
        ]
    }
}
