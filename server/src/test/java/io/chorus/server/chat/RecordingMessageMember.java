package io.chorus.server.chat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A message-framed member, as a WebSocket one will be, that records each payload as one frame. */
final class RecordingMessageMember extends MemberBase {

    private final EventExecutor loop;
    private final List<String> frames;

    RecordingMessageMember(EventExecutor loop, List<String> frames) {
        super(1 << 20);
        this.loop = loop;
        this.frames = frames;
        nick("framed");
    }

    @Override
    public EventExecutor eventLoop() {
        return loop;
    }

    @Override
    public ByteBufAllocator alloc() {
        return UnpooledByteBufAllocator.DEFAULT;
    }

    @Override
    public Framing framing() {
        return Framing.MESSAGE;
    }

    @Override
    public long queuedBytes() {
        return 0;
    }

    @Override
    public void close() {
    }

    @Override
    protected void write(ByteBuf payload) {
        try {
            frames.add(payload.toString(StandardCharsets.UTF_8));
        } finally {
            payload.release();
        }
    }

    @Override
    protected void flushTransport() {
    }

    @Override
    protected boolean isTransportOpen() {
        return true;
    }

    @Override
    protected void cutOff(ByteBuf last) {
        last.release();
    }
}
