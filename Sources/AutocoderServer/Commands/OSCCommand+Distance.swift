// The distance family: the Python server's similarity tables (`.ord.npy`),
// for clients that choose frames themselves.

import AutocoderModel
import AutocoderOSC

extension OSCCommand {
    static var distance: [OSCCommand] {
        [
            .server(.distance, "/load/distance", .arguments(.path("anchor")), "loads `anchor.ord.npy`; `/loaded s:path`, then `/done`") { server, request in
                try server.distanceLoad.handle(request)
            },
            .server(.distance, "/distance/windowskip", .arguments(.integer("samples per frame", 1...1 << 24, default: "1024")),
                    "the samples per frame `/distance/sample_index` counts in", value: .setting { _ in [.int(1024)] }) { server, request in
                server.windowSkip = try request.integer(0)
            },
            .server(.distance, "/distance/get_index",
                    .arguments(.integer("start", 0...Int(Int32.max)), .integer("n", 1...Int(Int32.max)), .float("p", 0.001...1000)),
                    "`/distance/frame_index i` then `/distance/sample_index i·windowskip`, i = order[start][⌊u^p·n⌋]") { server, request in
                let table = try server.loadedDistance()
                let start = try request.integer(0, in: 0...table.frames - 1)
                let pool = try request.integer(1, in: 1...table.neighbours)
                let index = table.next(from: start, pool: pool, power: Double(try request.float(2)), using: &server.random)
                server.reply("/distance/frame_index", [.int(Int32(index))])
                server.reply("/distance/sample_index", [.int(Int32(clamping: index * server.windowSkip))])
            },
            .server(.distance, "/distance/get_indexes", .arguments(.integer("frame", 0...Int(Int32.max))),
                    "`/distance/indexes` + that frame's similar frames") { server, request in
                let table = try server.loadedDistance()
                let index = try request.integer(0, in: 0...table.frames - 1)
                server.reply("/distance/indexes", table.row(index).map { .int(Int32($0)) })
            },
        ]
    }
}

extension AutocoderServer {
    func loadedDistance() throws -> DistanceTable {
        guard let distance else {
            throw Rejection(distanceLoad.isLoading ? "no distance table loaded yet (one is loading: wait for its /loaded)"
                                                   : "no distance table loaded (send /load/distance first)")
        }
        return distance
    }
}
