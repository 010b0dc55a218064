package io.chorus.protocol.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "Alice", "bob_2", "x-y", "_", "-", "123", "abcdefghijklmnopqrstuvwx"})
    void validNicks(String nick) {
        assertThat(Names.isValidNick(nick)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abcdefghijklmnopqrstuvwxy", "#alice", "a b", "al.ice", "\u00e9", "a\u0000", "a\t"})
    void invalidNicks(String nick) {
        assertThat(Names.isValidNick(nick)).isFalse();
    }

    @Test
    void nullIsNeitherNickNorRoom() {
        assertThat(Names.isValidNick(null)).isFalse();
        assertThat(Names.isValidRoom(null)).isFalse();
    }

    @Test
    void nickLimitIsTheConstant() {
        assertThat(Names.isValidNick("n".repeat(Names.NICK_MAX))).isTrue();
        assertThat(Names.isValidNick("n".repeat(Names.NICK_MAX + 1))).isFalse();
        assertThat(Names.NICK_MAX).isEqualTo(24);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lobby", "#lobby", "Dev", "#Dev_2", "a", "-", "12345678901234567890123456789012",
            "#12345678901234567890123456789012"})
    void validRooms(String room) {
        assertThat(Names.isValidRoom(room)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "#", "##dev", "dev#", "a b", "123456789012345678901234567890123", "l\u00f6bby", "#dev!"})
    void invalidRooms(String room) {
        assertThat(Names.isValidRoom(room)).isFalse();
    }

    @Test
    void roomLimitIsTheConstant() {
        assertThat(Names.ROOM_MAX).isEqualTo(32);
        assertThat(Names.isValidRoom("#" + "r".repeat(Names.ROOM_MAX))).isTrue();
        assertThat(Names.isValidRoom("r".repeat(Names.ROOM_MAX + 1))).isFalse();
    }

    @Test
    void roomsAreCanonicalLowerCaseWithoutHash() {
        assertThat(Names.normalizeRoom("#Dev")).isEqualTo("dev");
        assertThat(Names.normalizeRoom("LOBBY")).isEqualTo("lobby");
        assertThat(Names.normalizeRoom("dev-2")).isEqualTo("dev-2");
    }

    @Test
    void normalizingAnInvalidRoomThrows() {
        assertThatThrownBy(() -> Names.normalizeRoom("no way"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(Names.ROOM_RULE);
    }

    @Test
    void nickKeysIgnoreCase() {
        assertThat(Names.nickKey("Alice")).isEqualTo(Names.nickKey("aLICE")).isEqualTo("alice");
        assertThat(Names.nickKey("Bob")).isNotEqualTo(Names.nickKey("Bob2"));
    }
}
