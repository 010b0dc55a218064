package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.testing.LineClient;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A person on the chat port in tests: a raw socket, plus the few steps every test repeats. */
public final class ChatUser implements AutoCloseable {

    private static final Pattern WELCOME = Pattern.compile("^\\*\\*\\* Welcome to \\S+, (guest-\\d+)! You are in #lobby\\.");

    public final LineClient client;
    public final String guestNick;
    public String nick;

    private ChatUser(LineClient client, String guestNick) {
        this.client = client;
        this.guestNick = guestNick;
        this.nick = guestNick;
    }

    /** Connects and reads the greeting and the automatic lobby join. */
    public static ChatUser connect(int port) throws IOException {
        LineClient client = LineClient.connect(port);
        String welcome = client.readLine();
        Matcher m = WELCOME.matcher(welcome);
        assertThat(m.find()).as("greeting: %s", welcome).isTrue();
        ChatUser user = new ChatUser(client, m.group(1));
        client.readUntil("*** " + user.guestNick + " joined #lobby");
        return user;
    }

    /** Connects, takes {@code nick}, and moves from the lobby into {@code room} only. */
    public static ChatUser in(int port, String nick, String room) throws IOException {
        ChatUser user = connect(port);
        user.send("/nick " + nick);
        // Lobby news from other connections may come first; the nick reply is what matters here.
        assertThat(user.client.readUntil(" is now known as " + nick)).isEqualTo("*** " + user.guestNick + " is now known as " + nick);
        user.nick = nick;
        user.send("/join " + room);
        user.client.readUntil("*** " + nick + " joined #" + room);
        user.send("/leave lobby");
        user.client.readUntil("*** " + nick + " left #lobby");
        return user;
    }

    public ChatUser send(String line) throws IOException {
        client.send(line);
        return this;
    }

    public String readLine() throws IOException {
        return client.readLine();
    }

    public String readUntil(String fragment) throws IOException {
        return client.readUntil(fragment);
    }

    /**
     * Asks the room for its member list and returns the first line that arrives. Room requests are
     * answered in order, so anything the room sent this user before shows up first.
     */
    public String nextLineBeforeWho(String room) throws IOException {
        send("/who " + room);
        return readLine();
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
