package io.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.chorus.server.support.OpenFileLimit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The defaults {@code chorus-server --help} shows are {@link ServerConfig#defaults()}, option by option. */
class OptionDefaultsTest {

    @BeforeEach
    void noChorusEnvironment() {
        // A CHORUS_* variable in the test's environment would change the defaults on purpose.
        assumeTrue(System.getenv().keySet().stream().noneMatch(k -> k.startsWith("CHORUS_")), "CHORUS_* is set");
    }

    private static CommandLine commandLine(ChorusServerMain main) {
        return new CommandLine(main);
    }

    @Test
    void noOptionsGiveTheConfigDefaults() {
        ChorusServerMain main = new ChorusServerMain();
        commandLine(main).parseArgs();
        assertThat(main.toConfig()).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void everyDefaultInTheHelpIsTheConfigDefault() {
        String help = commandLine(new ChorusServerMain()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        List<OptionSpec> shown = commandLine(new ChorusServerMain()).getCommandSpec().options().stream()
                .filter(o -> String.join(" ", o.description()).contains("Default:"))
                .toList();
        assertThat(shown).extracting(OptionSpec::longestName)
                .contains("--echo-port", "--transport", "--rate-limit", "--max-connections", "--idle-timeout",
                        "--shutdown-grace", "--log-level");
        for (OptionSpec option : shown) {
            // What --help prints for the option...
            String value = shownDefault(help, option);
            // ...given back explicitly changes nothing.
            ChorusServerMain main = new ChorusServerMain();
            commandLine(main).parseArgs(option.longestName(), value);
            assertThat(main.toConfig()).as("%s %s", option.longestName(), value).isEqualTo(ServerConfig.defaults());
        }
    }

    /** The text after "Default:" in the option's entry of the help; the help wraps lines, so spaces are dropped. */
    private static String shownDefault(String help, OptionSpec option) {
        String flat = help.replaceAll("\\s+", "");
        String entry = option.longestName() + "=" + option.paramLabel();
        int at = flat.indexOf(entry, flat.indexOf(entry) + 1); // the first mention is the synopsis
        assertThat(at).as("%s has an entry in --help", option.longestName()).isPositive();
        // The value ends at the sentence's full stop, which the next option ("-") or the footer follows.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Default:(.+?)\\.(?=-|[A-Z]|$)").matcher(flat);
        assertThat(m.find(at)).as("%s shows a default", option.longestName()).isTrue();
        assertThat(m.group(1)).as("%s's default in --help", option.longestName()).isNotEqualTo("null");
        return m.group(1);
    }

    @Test
    void maxConnectionsDefaultsToWhatTheOpenFileLimitLeaves() {
        long limit = OpenFileLimit.current();
        assumeTrue(limit > 0, "this JVM cannot read its open-file limit");
        assertThat(ServerConfig.defaults().maxConnections())
                .isEqualTo(OpenFileLimit.maxConnectionsFor(limit))
                .isEqualTo((int) Math.max(limit / 2, limit - OpenFileLimit.reserve()))
                .isLessThan((int) limit);
    }

    @Test
    void theReserveShrinksToHalfOnTinyLimitsAndUnknownLimitsFallBack() {
        int reserve = OpenFileLimit.reserve();
        assertThat(OpenFileLimit.maxConnectionsFor(20_000)).isEqualTo(20_000 - reserve);
        assertThat(OpenFileLimit.maxConnectionsFor(reserve)).isEqualTo(reserve / 2);
        assertThat(OpenFileLimit.maxConnectionsFor(1)).isEqualTo(1);
        assertThat(OpenFileLimit.maxConnectionsFor(-1)).isEqualTo(OpenFileLimit.FALLBACK_MAX_CONNECTIONS);
        assertThat(OpenFileLimit.maxConnectionsFor(Long.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    }
}
