package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

    private final OriginPolicy sameHost = new OriginPolicy(List.of());

    @Test
    void byDefaultOnlyTheServersOwnHostAndPort() {
        assertThat(sameHost.allows("http://chat.example.com:8080", "chat.example.com:8080", false)).isTrue();
        assertThat(sameHost.allows("HTTP://Chat.Example.com", "chat.example.com", false)).isTrue();
        assertThat(sameHost.allows("https://chat.example.com", "chat.example.com", true)).isTrue();
        assertThat(sameHost.allows("http://chat.example.com", "chat.example.com:8080", false)).isFalse();
        assertThat(sameHost.allows("http://evil.example", "chat.example.com", false)).isFalse();
        assertThat(sameHost.allows("http://chat.example.com.evil.example", "chat.example.com", false)).isFalse();
        assertThat(sameHost.allows("null", "chat.example.com", false)).isFalse();
        assertThat(sameHost.allows("file://", "chat.example.com", false)).isFalse();
        assertThat(sameHost.allows("http://[::1]:8080", "[::1]:8080", false)).isTrue();
        assertThat(sameHost.allows("http://x", null, false)).isFalse();
    }

    @Test
    void programsWithoutAnOriginAreAllowed() {
        assertThat(sameHost.allows(null, "chat.example.com", false)).isTrue();
    }

    @Test
    void aListOrAStar() {
        OriginPolicy listed = new OriginPolicy(List.of("https://chat.example.com"));
        assertThat(listed.allows("https://chat.example.com", "other:1", false)).isTrue();
        assertThat(listed.allows("https://evil.example", "evil.example", false)).isFalse();
        assertThat(new OriginPolicy(List.of("*")).allows("https://anything.example", "x", false)).isTrue();
    }

    @Test
    void optionsNormaliseOrigins() {
        assertThat(new HttpOptions(0, 0, -1, 8192, 1024, List.of(" https://Chat.example.com/ ", "")).allowedOrigins())
                .containsExactly("https://chat.example.com");
    }
}
