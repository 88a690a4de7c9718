// A /snapshot/recall still gliding: whom to tell `/snapshot/recalled s:NAME`
// once the voice has ended the morph of that serial. Network thread only.

import AutocoderOSC

struct PendingRecall {
    let name: String
    let serial: Int
    let requester: SocketAddress
}
