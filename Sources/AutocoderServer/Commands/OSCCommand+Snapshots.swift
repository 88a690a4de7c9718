// The snapshots family: a generative or filter voice's state kept under a
// name in its model's store (`ANCHOR.snapshots.json`), glided back to, blended,
// listed and deleted. Each address is voice 1's unprefixed and any such
// voice's as /voice/ID/….

import AutocoderEngine
import AutocoderOSC

extension OSCCommand {
    static var snapshots: [OSCCommand] {
        [
            .voice(.snapshots, "/snapshot/save", modelKinds, .arguments(.string("name")),
                   "keeps the voice's latent targets, walk on/off, walk/step, glide, brightness, whitening, feedback, smoothing and level under NAME in its model's `ANCHOR.snapshots.json` (written atomically); `/snapshot/saved s:NAME` once on disk") { server, id, request in
                try server.saveSnapshot(request, voice: id)
            },
            .voice(.snapshots, "/snapshot/recall", modelKinds,
                   .arguments(.string("name"), optional: [.float("seconds", 0...600, default: 0),
                                                          .string("curve", choices: MorphCurve.allCases.map(\.rawValue), default: "linear")]),
                   "glides there over SECONDS (0: at once), `linear` or `ease` (smoothstep): the latent targets (the voice's own glide follows) and controls per hop, the level per sample; the walk stops at the start and, if the snapshot walks, starts at the end. `/snapshot/recalled s:NAME` once there") { server, id, request in
                try server.recallSnapshot(request, voice: id)
            },
            .voice(.snapshots, "/snapshot/blend", modelKinds, .pairs(.string("name"), .float("weight", 0...1000), 1...8),
                   "the weighted mean of the snapshots (weights normalised; all 0 refused), at once; walking if the walking ones weigh more than half. `/snapshot/blended` + the names") { server, id, request in
                try server.blendSnapshots(request, voice: id)
            },
            .voice(.snapshots, "/snapshot/list", modelKinds, .none, "`/snapshot/list` + the names of the model's snapshots, sorted") { server, id, _ in
                try server.listSnapshots(voice: id)
            },
            .voice(.snapshots, "/snapshot/delete", modelKinds, .arguments(.string("name")), "`/snapshot/deleted s:NAME`") { server, id, request in
                try server.deleteSnapshot(request, voice: id)
            },
        ]
    }
}
