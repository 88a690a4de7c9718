// What `serve` prints at start (issue 13, item 18): where replies go, in words
// that cannot be read as the sender's own port.

import Foundation
import Testing

@Suite struct StartupLineTests {
    @Test func theStartupLineSaysWhereRepliesGo() throws {
        let server = try ServerProcess(["--null-output"])
        let port = server.client.port
        server.send("/quit")
        #expect(server.waitForExit() == 0)
        let printed = server.standardOutput
        #expect(printed.contains("replies to port \(port) of each sender's host"), "\(printed)")

        let fixed = try ServerProcess(["--null-output", "--reply-host", "127.0.0.1"])
        fixed.send("/quit")
        #expect(fixed.waitForExit() == 0)
        let fixedPrinted = fixed.standardOutput
        #expect(fixedPrinted.contains("replies to 127.0.0.1 port \(fixed.client.port)"), "\(fixedPrinted)")
    }
}
