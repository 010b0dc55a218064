package io.chorus.protocol.event;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/** Hands out buffers that cannot grow past {@value #LIMIT} bytes, and remembers them to check their release. */
final class FailingAllocator extends AbstractByteBufAllocator {

    static final int LIMIT = 4;

    final List<ByteBuf> handedOut = new ArrayList<>();

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = new UnpooledHeapByteBuf(this, Math.min(initialCapacity, LIMIT), LIMIT);
        handedOut.add(buf);
        return buf;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }
}
