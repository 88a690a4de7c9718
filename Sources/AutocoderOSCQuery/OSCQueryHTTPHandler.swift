// One HTTP connection of the OSCQuery server: answers each request (NIO's
// pipeline hands them over one at a time) when it has been read whole, keeps
// the connection open when the client asks for keep-alive, and closes one that
// has been idle too long or sent what is not HTTP.
//
// Event loop thread only (one handler per connection).

import Foundation
import NIOCore
import NIOHTTP1

final class OSCQueryHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: OSCQueryResponder
    private var request: HTTPRequestHead?

    init(responder: OSCQueryResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break  // No method takes a body; one sent anyway is read and dropped.
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    /// A request that does not parse has had its 400 (NIO's error handler); nothing more can be read.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let response = responder.respond(to: request.method, uri: request.uri)
        var headers = HTTPHeaders()
        if let body = response.body {
            headers.add(name: "Content-Type", value: response.isJSON ? "application/json" : "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.count))
        }
        // Browser clients (an OSCQuery page served from elsewhere) may read it too.
        headers.add(name: "Access-Control-Allow-Origin", value: "*")
        if let allow = response.allow { headers.add(name: "Allow", value: allow) }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }

        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: response.status, headers: headers))), promise: nil)
        if let body = response.body, request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
