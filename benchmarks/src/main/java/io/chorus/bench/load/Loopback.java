package io.chorus.bench.load;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Keeps the load generator on loopback: it refuses any target or source address outside 127.0.0.0/8
 * and ::1, so a typo can never aim a load test at another machine.
 */
final class Loopback {

    private Loopback() {
    }

    static void require(String what, String address) {
        InetAddress resolved;
        try {
            resolved = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(what + " does not resolve: " + address, e);
        }
        if (!resolved.isLoopbackAddress()) {
            throw new IllegalArgumentException(what + " must be a loopback address (127.0.0.0/8 or ::1): " + address);
        }
    }
}
