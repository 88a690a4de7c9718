// The recording family: takes of what is played, to a sound file.

import AutocoderAudio
import AutocoderOSC

extension OSCCommand {
    static var recording: [OSCCommand] {
        [
            .server(.recording, "/record/start",
                    .arguments(optional: [.path("path", default: "`autocoder-DATE-TIME.wav`"), .word("`float` or `24` (or the number 24)", default: "`serve --record-format`")]),
                    "records what is played to a new file of the kind its extension names (relative paths are taken from the server's folder; an existing file is never replaced); `/record/started s:path` to the sender and every `/notify` client, then `/done s:/record/start`") { server, request in
                try server.startRecording(request)
            },
            .server(.recording, "/record/stop", .none,
                    "`/record/stopped s:path i:frames` to the sender and every `/notify` client; also for a take that ended by itself (a full disk), once") { server, _ in
                try server.stopRecording()
            },
        ]
    }
}
