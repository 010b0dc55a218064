package io.chorus.server.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Lua scripts that make each cluster step atomic in Redis, run by their SHA1 and sent in full only
 * when Redis does not have them cached (after a restart).
 *
 * <p>Redis's Lua numbers are doubles, exact for the ids Chorus uses (below 2^53), but printed with 14
 * digits by default; ids are therefore always turned into text with {@code string.format('%d', ...)}.
 */
final class ClusterScripts {

    /**
     * Numbers a message, appends it to the room's history and publishes it, in one step, so every node
     * receives a room's messages in id order. KEYS: sequence, first id, log, channel. ARGV: the floor for
     * a new sequence (epoch ms x 1000), history length, origin node, the event as JSON with id 0.
     * A new sequence starts at the floor (and above anything the log still holds), so ids never repeat
     * across a Redis that lost its data. Returns the id as text.
     */
    static final Script APPEND = new Script("""
            local id = redis.call('INCR', KEYS[1])
            if id == 1 then
              id = tonumber(ARGV[1])
              local top = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
              if top[1] then
                local held = tonumber(string.match(top[1][1], '^(%d+)'))
                if held >= id then id = held + 1 end
              end
              redis.call('SET', KEYS[1], string.format('%d', id))
              redis.call('SET', KEYS[2], string.format('%d', id))
            end
            local sid = string.format('%d', id)
            redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], sid .. '-0', 'e', ARGV[4])
            redis.call('SPUBLISH', KEYS[4], sid .. ' ' .. ARGV[3] .. ' ' .. ARGV[4])
            return sid
            """);

    /**
     * Reads a room's history. KEYS: sequence, first id, log. ARGV: the id to read after (-1 = the last
     * N), N. Returns {last id, first id, id1, json1, id2, json2, ...} with ids ascending for "after" and
     * descending for "last N".
     */
    static final Script HISTORY = new Script("""
            local out = {redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]) or '0'}
            local entries
            if ARGV[1] == '-1' then
              entries = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', ARGV[2])
            else
              entries = redis.call('XRANGE', KEYS[3], '(' .. ARGV[1] .. '-0', '+', 'COUNT', ARGV[2])
            end
            for _, e in ipairs(entries) do
              out[#out + 1] = e[1]
              out[#out + 1] = e[2][2]
            end
            return out
            """);

    /**
     * Moves a room's sequence past ids a node issued alone while Redis was away, leaving one id unused,
     * so that no id repeats and a resume across the outage sees a gap. KEYS: sequence. ARGV: the highest
     * such id.
     */
    static final Script SKIP_PAST = new Script("""
            local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
            local local_max = tonumber(ARGV[1])
            if local_max > cur then cur = local_max end
            redis.call('SET', KEYS[1], string.format('%d', cur + 1))
            return 1
            """);

    /**
     * Claims or refreshes a nick for a node. KEYS: the nick's key. ARGV: node id, TTL in ms. Returns 1
     * when the node holds it now, 0 when another node does.
     */
    static final Script CLAIM_NICK = new Script("""
            local holder = redis.call('GET', KEYS[1])
            if holder == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            if holder then return 0 end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1
            """);

    /** Frees a nick if the node still holds it. KEYS: the nick's key. ARGV: node id. */
    static final Script RELEASE_NICK = new Script("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """);

    private ClusterScripts() {
    }

    /** One script and its SHA1. */
    record Script(String source, String sha) {

        Script(String source) {
            this(source, sha1(source));
        }

        /** Runs by SHA1; if Redis does not know it (NOSCRIPT), sends it in full, which also caches it. */
        <T> CompletionStage<T> run(RedisAsyncCommands<String, String> redis, ScriptOutputType type, String[] keys,
                String... args) {
            CompletableFuture<T> result = new CompletableFuture<>();
            redis.<T>evalsha(sha, type, keys, args).whenComplete((value, failure) -> {
                if (failure == null) {
                    result.complete(value);
                } else if (failure instanceof RedisNoScriptException
                        || (failure.getMessage() != null && failure.getMessage().startsWith("NOSCRIPT"))) {
                    redis.<T>eval(source, type, keys, args).whenComplete((again, failed) -> {
                        if (failed == null) {
                            result.complete(again);
                        } else {
                            result.completeExceptionally(failed);
                        }
                    });
                } else {
                    result.completeExceptionally(failure);
                }
            });
            return result;
        }

        private static String sha1(String source) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                        .digest(source.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is part of every JRE", e);
            }
        }
    }
}
