// The training family: a model trained on a sound while the server plays
// (Training owns a training's life, TrainingRun its child processes).

import AutocoderOSC

extension OSCCommand {
    static var training: [OSCCommand] {
        var train = OSCCommand.server(
            .training, "/train",
            .leading(.path("sound"), then: .word("option: `deep`, `published`, `play`, `epochs` N, `patience` N"), upTo: 8),
            "analyses SOUND and trains a model on it, as `autocoder analyze` and `autocoder train` do (options as `train`'s; `play` loads it into voice 1 when done), in a child process below the audio (SCHED_IDLE) while every voice plays; one at a time. `/train s:SOUND` at once, `/train/progress i:epoch i:max_epochs f:loss f:seconds_left` about once a second, then `/trained s:ANCHOR` (the bundle written beside SOUND: .npy, .minmax, .mm, .dec, .enc, .report.png) and `/done`, to the sender and every `/notify` client",
            value: .live { server, _ in [.string(server.training.run?.sound ?? "")] }
        ) { server, request in
            try server.training.handle(request)
        }
        train.arity = { _, _ in 1 }
        return [
            train,
            .server(.training, "/train/stop", .none,
                    "ends the training after its epoch, writing the best weights so far (`/trained` follows); during the analysis, nothing is written (`/error /train`)") { server, _ in
                try server.training.stop()
            },
        ]
    }
}
