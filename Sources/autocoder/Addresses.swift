// `autocoder addresses`: the server's OSC address tables, as the README shows them.

import ArgumentParser
import AutocoderServer

struct Addresses: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the server's OSC addresses (Markdown tables, generated from the server's command table)."
    )

    func run() {
        print(AddressTables.markdown, terminator: "")
    }
}
