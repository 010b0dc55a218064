package io.chorus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Turns a fan-out subscriber's TCP connection into a WebSocket one ({@code load fanout --ws-port}): sends
 * the upgrade request, waits for the 101 answer, then gets out of the way. The subscriber behind it
 * sees the connection become active only after the upgrade and then reads the server's frames as a raw
 * stream: server frames are not masked, so each JSON event's payload appears in the bytes as it was
 * published, and {@link FanoutSubscriberHandler} finds it as it does behind any other wrapping. What the
 * subscriber writes (its subscribe line) goes out as one masked text frame ({@link MaskedTextFrames}).
 *
 * <p>Per channel. Bytes read before the end of the answer's headers are held here and released; bytes
 * after it are passed on with their ownership.
 */
final class WebSocketSubscriberUpgrade extends ChannelInboundHandlerAdapter {

    private static final byte[] END_OF_HEADERS = {'\r', '\n', '\r', '\n'};

    private final String host;
    private final int port;
    private final String path;
    private ByteBuf head;

    WebSocketSubscriberUpgrade(String host, int port, String path) {
        this.host = host;
        this.port = port;
        this.path = path;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // No Origin header: a program, not a page, so the server's origin check lets it in.
        String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: Y2hvcnVzLWxvYWQtd3MxMg==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII), ctx.voidPromise());
        head = ctx.alloc().buffer(256);
        // channelActive goes on to the subscriber once the upgrade is done.
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            head.writeBytes(in);
        } finally {
            in.release();
        }
        int end = indexOf(head, END_OF_HEADERS);
        if (end < 0) {
            return;
        }
        String status = head.toString(head.readerIndex(), Math.min(end, 64), StandardCharsets.US_ASCII);
        if (!status.startsWith("HTTP/1.1 101")) {
            head.release();
            head = null;
            ctx.fireExceptionCaught(new IllegalStateException("WebSocket upgrade refused: "
                    + status.lines().findFirst().orElse(status)));
            ctx.close();
            return;
        }
        ByteBuf rest = head.retainedSlice(end + END_OF_HEADERS.length, head.writerIndex() - end - END_OF_HEADERS.length);
        head.release();
        head = null;
        ctx.pipeline().addAfter(ctx.name(), "ws-frames", MaskedTextFrames.INSTANCE);
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else {
            rest.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (head != null) {
            head.release();
            head = null;
        }
    }

    private static int indexOf(ByteBuf buf, byte[] needle) {
        int last = buf.writerIndex() - needle.length;
        outer:
        for (int i = buf.readerIndex(); i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i - buf.readerIndex();
        }
        return -1;
    }

    /**
     * Wraps each outgoing buffer in one masked text frame, as RFC 6455 asks of clients. The mask key is
     * zero, which is valid and leaves the payload bytes as they are. Takes over each buffer.
     */
    @Sharable
    static final class MaskedTextFrames extends ChannelOutboundHandlerAdapter {

        static final MaskedTextFrames INSTANCE = new MaskedTextFrames();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!(msg instanceof ByteBuf payload)) {
                ctx.write(msg, promise);
                return;
            }
            int length = payload.readableBytes();
            ByteBuf header = ctx.alloc().buffer(14);
            try {
                header.writeByte(0x81);
                if (length < 126) {
                    header.writeByte(0x80 | length);
                } else if (length < 65_536) {
                    header.writeByte(0x80 | 126).writeShort(length);
                } else {
                    header.writeByte(0x80 | 127).writeLong(length);
                }
                header.writeInt(0);
            } catch (RuntimeException e) {
                header.release();
                ReferenceCountUtil.release(payload);
                throw e;
            }
            ctx.write(Unpooled.wrappedBuffer(header, payload), promise);
        }
    }
}
