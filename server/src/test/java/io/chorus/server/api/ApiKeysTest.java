package io.chorus.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing {@code --api-key}, {@code CHORUS_API_KEYS} and key files, and looking keys up. */
class ApiKeysTest {

    @Test
    void optionsAndTheEnvironmentListGiveKeysWithTheirNames() {
        ApiKeys keys = ApiKeys.parse(List.of("k1=bot:alerts", "k2, k3=ci"));
        assertThat(keys.size()).isEqualTo(3);
        ApiKeys.Key k1 = keys.find("k1").orElseThrow();
        assertThat(k1.name()).isEqualTo("bot");
        assertThat(k1.allows("ALERTS")).isTrue();
        assertThat(k1.allows("ci")).isFalse();
        assertThat(keys.find("k2").orElseThrow().name()).isEqualTo(ApiKeys.DEFAULT_NAME);
        assertThat(keys.find("k3").orElseThrow().names()).containsExactly("ci");
        assertThat(keys.find("k4")).isEmpty();
        assertThat(keys.find("k")).isEmpty();
        assertThat(keys.find("")).isEmpty();
        assertThat(keys.find(null)).isEmpty();
        assertThat(keys.toString()).doesNotContain("k1");
        assertThat(ApiKeys.parse(List.of()).isEmpty()).isTrue();
    }

    @Test
    void badNamesAndEmptyKeysAreRefused() {
        assertThatThrownBy(() -> ApiKeys.parse(List.of("k1=no spaces"))).hasMessageContaining("nicknames are");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("=bot"))).hasMessageContaining("empty API key");
    }

    @Test
    void aKeyFileHasOneKeyPerLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# feeds\nalpha-key  weather  radar\n\nbeta-key\n");
        ApiKeys keys = ApiKeys.fromFile(file).and(ApiKeys.parse(List.of("gamma=ops")));
        assertThat(keys.size()).isEqualTo(3);
        assertThat(keys.find("alpha-key").orElseThrow().names()).containsExactly("weather", "radar");
        assertThat(keys.find("beta-key").orElseThrow().name()).isEqualTo("api");
        Files.writeString(file, "k bad!name\n");
        assertThatThrownBy(() -> ApiKeys.fromFile(file)).hasMessageContaining("line 1");
    }
}
