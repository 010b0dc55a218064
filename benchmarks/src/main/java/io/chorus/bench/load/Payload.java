package io.chorus.bench.load;

import io.netty.buffer.ByteBuf;

/**
 * Writes and checks the self-describing payload every load message carries, so a reply can be verified
 * and timed without remembering what was sent.
 *
 * <p>Layout, all ASCII: the marker {@code CHB1}, the send time ({@link System#nanoTime()}) as 16 hex
 * digits, the source (connection or publisher number) as 8 hex digits, the sequence number as 8 hex
 * digits, then lower-case filler letters up to the payload size. The filler depends on the sequence
 * number and position, so a corrupted or misplaced byte is detected. The marker cannot occur inside the
 * hex fields or the filler, which lets a fan-out subscriber find the payload anywhere in a line a
 * server decorated (a chat prefix, a RESP bulk string, a JSON string).
 */
public final class Payload {

    /** Bytes before the filler: marker, time, source and sequence. */
    public static final int HEADER_BYTES = 4 + 16 + 8 + 8;
    /** The smallest payload size: a header with no filler: {@value}. */
    public static final int MIN_SIZE = HEADER_BYTES;

    private static final byte[] MARKER = {'C', 'H', 'B', '1'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Payload() {
    }

    /** Appends one payload of exactly {@code size} bytes to {@code out}. */
    public static void write(ByteBuf out, long sentNanos, int source, int sequence, int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("payload size must be at least " + MIN_SIZE + ": " + size);
        }
        out.ensureWritable(size);
        out.writeBytes(MARKER);
        writeHex(out, sentNanos, 16);
        writeHex(out, source & 0xffffffffL, 8);
        writeHex(out, sequence & 0xffffffffL, 8);
        for (int i = HEADER_BYTES; i < size; i++) {
            out.writeByte(filler(sequence, i));
        }
    }

    /** The offset of the first payload marker in {@code buf[from, to)}, or -1. */
    public static int find(ByteBuf buf, int from, int to) {
        int last = to - MARKER.length;
        for (int i = buf.indexOf(from, to, MARKER[0]); i >= 0 && i <= last; i = buf.indexOf(i + 1, to, MARKER[0])) {
            if (buf.getByte(i + 1) == MARKER[1] && buf.getByte(i + 2) == MARKER[2] && buf.getByte(i + 3) == MARKER[3]) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code bytes[index, end)} could be the start of a payload: its first bytes match the marker. */
    public static boolean startsLikeMarker(byte[] bytes, int index, int end) {
        int n = Math.min(MARKER.length, end - index);
        for (int i = 0; i < n; i++) {
            if (bytes[index + i] != MARKER[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the payload of {@code size} bytes at {@code bytes[index]} into {@code into}, as
     * {@link #read(ByteBuf, int, int, int, Decoded)} does; the caller made sure {@code size} bytes are there.
     */
    public static boolean read(byte[] bytes, int index, int size, Decoded into) {
        if (size < MIN_SIZE || !startsLikeMarker(bytes, index, index + MARKER.length)) {
            return false;
        }
        long sent = 0;
        long source = 0;
        long sequence = 0;
        for (int i = MARKER.length; i < HEADER_BYTES; i++) {
            int digit = hexValue(bytes[index + i]);
            if (digit < 0) {
                return false;
            }
            if (i < 20) {
                sent = sent << 4 | digit;
            } else if (i < 28) {
                source = source << 4 | digit;
            } else {
                sequence = sequence << 4 | digit;
            }
        }
        int seq = (int) sequence;
        int letter = Math.floorMod(seq + HEADER_BYTES, 26);
        for (int i = HEADER_BYTES; i < size; i++) {
            if (bytes[index + i] != 'a' + letter) {
                return false;
            }
            letter = letter == 25 ? 0 : letter + 1;
        }
        into.sentNanos = sent;
        into.source = (int) source;
        into.sequence = seq;
        return true;
    }

    /**
     * Reads the payload of {@code size} bytes that starts at {@code index} into {@code into}; returns
     * false if the bytes are not a well-formed payload of that size (wrong marker, bad hex, bad filler,
     * or fewer than {@code size} bytes before {@code end}).
     */
    public static boolean read(ByteBuf buf, int index, int end, int size, Decoded into) {
        if (end - index < size || size < MIN_SIZE) {
            return false;
        }
        for (int i = 0; i < MARKER.length; i++) {
            if (buf.getByte(index + i) != MARKER[i]) {
                return false;
            }
        }
        for (int i = MARKER.length; i < HEADER_BYTES; i++) {
            if (hexValue(buf.getByte(index + i)) < 0) {
                return false;
            }
        }
        long sent = readHex(buf, index + 4, 16);
        long source = readHex(buf, index + 20, 8);
        long sequence = readHex(buf, index + 28, 8);
        int seq = (int) sequence;
        for (int i = HEADER_BYTES; i < size; i++) {
            if (buf.getByte(index + i) != filler(seq, i)) {
                return false;
            }
        }
        into.sentNanos = sent;
        into.source = (int) source;
        into.sequence = seq;
        return true;
    }

    private static byte filler(int sequence, int position) {
        return (byte) ('a' + Math.floorMod(sequence + position, 26));
    }

    private static void writeHex(ByteBuf out, long value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(int) (value >>> shift) & 0xf]);
        }
    }

    /** Reads hex digits already checked by {@link #hexValue}. */
    private static long readHex(ByteBuf buf, int index, int digits) {
        long value = 0;
        for (int i = 0; i < digits; i++) {
            value = (value << 4) | hexValue(buf.getByte(index + i));
        }
        return value;
    }

    /** The value of a lower-case hex digit, or -1. */
    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return -1;
    }

    /** The fields of one payload; reused by its (single-threaded) owner to avoid allocation per message. */
    public static final class Decoded {
        public long sentNanos;
        public int source;
        public int sequence;
    }
}
