package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.command.Command;
import org.junit.jupiter.api.Test;

/** Dispatch in {@link ChatConnection} covers the whole sealed {@link Command} type. */
class ChatConnectionTest {

    @Test
    void everyCommandTypeHasAHandler() {
        assertThat(ChatConnection.handledCommands())
                .containsExactlyInAnyOrder(Command.class.getPermittedSubclasses());
    }
}
