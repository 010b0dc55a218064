package io.chorus.server.api;

import static java.util.Objects.requireNonNull;

import io.chorus.protocol.command.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The keys that may publish through the HTTP API, each with the sender names it may use. Immutable.
 * An empty set turns the API off.
 *
 * <p>Keys are kept only as SHA-256 digests, and a presented key is compared with every one of them in
 * constant time ({@link MessageDigest#isEqual}), without stopping at a match, so the time taken says
 * nothing about how much of a key was right or which key matched.
 */
public final class ApiKeys {

    /** The sender name of a key given without names: {@value}. */
    public static final String DEFAULT_NAME = "api";

    /** No keys: the API is off. */
    public static final ApiKeys NONE = new ApiKeys(List.of());

    /**
     * One key's identity: its first name is the default sender, and it may publish as any of its names.
     * Equal only to itself, so two keys with the same names still have rate limits of their own.
     */
    public static final class Key {
        private final List<String> names;

        Key(List<String> names) {
            this.names = List.copyOf(names);
            if (this.names.isEmpty()) {
                throw new IllegalArgumentException("a key needs at least one name");
            }
        }

        public List<String> names() {
            return names;
        }

        /** The sender used when a request names none. */
        public String name() {
            return names.get(0);
        }

        /** True if this key may publish as {@code sender} (names compare without regard to case). */
        public boolean allows(String sender) {
            for (String n : names) {
                if (Names.nickKey(n).equals(Names.nickKey(sender))) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Entry(byte[] digest, Key key) {
    }

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Keys from {@code --api-key} values: {@code KEY} (sender {@value #DEFAULT_NAME}) or
     * {@code KEY=NAME[:NAME...]}; each may also be a comma-separated list of those, as in
     * {@code CHORUS_API_KEYS}.
     *
     * @throws IllegalArgumentException on an empty key or a name that breaks the nickname rule
     */
    public static ApiKeys parse(List<String> specs) {
        List<Entry> entries = new ArrayList<>();
        for (String spec : requireNonNull(specs, "specs")) {
            for (String one : spec.split(",")) {
                String trimmed = one.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                int eq = trimmed.indexOf('=');
                String key = eq < 0 ? trimmed : trimmed.substring(0, eq);
                List<String> names = eq < 0 ? List.of(DEFAULT_NAME) : Arrays.asList(trimmed.substring(eq + 1).split(":"));
                entries.add(entry(key, names, "--api-key"));
            }
        }
        return new ApiKeys(entries);
    }

    /**
     * Keys from a file: one key per line followed by the sender names it may use, separated by
     * whitespace ({@code KEY [NAME...]}); blank lines and lines starting with {@code #} are skipped.
     *
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException on a bad line, naming the file and line number
     */
    public static ApiKeys fromFile(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] words = line.split("\\s+");
            List<String> names = words.length == 1 ? List.of(DEFAULT_NAME) : Arrays.asList(words).subList(1, words.length);
            entries.add(entry(words[0], names, file + " line " + (i + 1)));
        }
        return new ApiKeys(entries);
    }

    private static Entry entry(String key, List<String> names, String where) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException(where + ": empty API key");
        }
        for (String name : names) {
            if (!Names.isValidNick(name)) {
                throw new IllegalArgumentException(where + ": sender name '" + name + "': " + Names.NICK_RULE);
            }
        }
        return new Entry(digest(key), new Key(names));
    }

    /** These keys and {@code other}'s. */
    public ApiKeys and(ApiKeys other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new ApiKeys(all);
    }

    /** True when no key is configured: the API is off. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /** The key matching {@code presented}, compared in constant time against every key. */
    public Optional<Key> find(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] wanted = digest(presented);
        Key found = null;
        for (Entry entry : entries) {
            // No early exit: every key is compared whatever matched before.
            if (MessageDigest.isEqual(entry.digest(), wanted) && found == null) {
                found = entry.key();
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        // Never the keys themselves.
        return entries.size() + " API key(s)";
    }
}
