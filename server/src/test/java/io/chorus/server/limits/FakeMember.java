package io.chorus.server.limits;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;

/** A member whose queue size the test sets, recording its cut-offs; confined to its executor like a real one. */
final class FakeMember implements OutboundMember {

    final String name;
    private final EventExecutor executor;
    volatile long queued;
    final List<CutOff> cuts = new ArrayList<>();
    Runnable onCut = () -> { };

    FakeMember(String name, EventExecutor executor) {
        this.name = name;
        this.executor = executor;
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    @Override
    public long queuedBytes() {
        return queued;
    }

    @Override
    public void cutOff(CutOff reason, long bytes) {
        if (cuts.isEmpty()) {
            cuts.add(reason);
            onCut.run();
        }
    }

    boolean isCut() {
        return !cuts.isEmpty();
    }

    @Override
    public String toString() {
        return name;
    }
}
